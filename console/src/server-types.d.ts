/**
 * The platform's schema (imported for its row types) names Node's Buffer for stored media bytes.
 * The console never receives those rows; this keeps Node's types out of browser code.
 */
type Buffer = Uint8Array;
