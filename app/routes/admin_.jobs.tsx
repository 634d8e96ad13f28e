import { DateTime } from "#app/components/date-time.tsx";
import { servicesOf } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { requireRole } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/admin_.jobs";

/** Admins: background jobs that failed, retrying with backoff or given up on after their last attempt. */
export async function loader(args: Route.LoaderArgs) {
  const { user } = await requireRole(args, "admin");
  return { jobs: await servicesOf(args.context).jobs.troubled(user) };
}

export const meta: Route.MetaFunction = () => [{ title: "Background jobs — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function AdminJobs({ loaderData: { jobs } }: Route.ComponentProps) {
  return (
    <>
      <h1>Background jobs</h1>
      <p className="muted">
        Jobs that failed at least once, newest first: retrying ones wait e<sup>attempts</sup> seconds (at most e
        <sup>10</sup>) before their next attempt; failed ones used every attempt and stay here until removed.{" "}
        <a href="/admin/jobs">Reload</a> · <a href="/admin">Admin</a>
      </p>
      {jobs.length === 0 ? <p>No failed jobs.</p> : null}
      <table className="job-table">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Next attempt</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} data-job-state={job.state}>
              <td>
                <code>{job.task}</code> #{job.id}
                <br />
                <span className="muted">
                  added <DateTime value={job.createdAt} />
                </span>
              </td>
              <td>{job.lockedAt ? "running" : job.state}</td>
              <td>
                {job.attempts} of {job.maxAttempts}
              </td>
              <td>{job.state === "retrying" ? <DateTime value={job.runAt} /> : "none"}</td>
              <td>
                <code className="job-table__error">{job.lastError}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
