/** The background job queue as instance administrators see it: the server's own schemas from the generated OpenAPI types. */
import type { paths } from './openapi';

type Ok<T> = T extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

export type JobsOverview = Ok<paths['/api/v1/admin/jobs/overview']['get']>;
export type JobCount = JobsOverview['counts'][number];
export type JobSchedule = JobsOverview['schedules'][number];
export type JobsPage = Ok<paths['/api/v1/admin/jobs']['get']>;
export type Job = Ok<paths['/api/v1/admin/jobs/{id}']['get']>;
export type JobState = Job['state'];
export type JobsQuery = NonNullable<paths['/api/v1/admin/jobs']['get']['parameters']['query']>;
