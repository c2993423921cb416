import type { ReactNode } from 'react';
import { describeEvent, type LiveRun } from '../../api/live-run.js';
import { Empty } from '../ui.js';

/** The run's server-sent events as they arrive, newest first. */
export function LiveFeed({ live, following }: { live: LiveRun; following: boolean }): ReactNode {
  return (
    <div data-testid="live-feed">
      <p className="sub" aria-live="polite">
        {following ? 'Following the run’s event stream.' : 'Not following: the run is not executing.'}
      </p>
      {live.log.length === 0 ? (
        <Empty>No event received yet.</Empty>
      ) : (
        <ol className="feed live-log" reversed aria-label="Run events">
          {[...live.log].reverse().map((e, i) => (
            <li key={live.log.length - i} data-type={e.event.type}>
              <time className="sub">{new Date(e.at).toLocaleTimeString()}</time> {describeEvent(e.event)}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
