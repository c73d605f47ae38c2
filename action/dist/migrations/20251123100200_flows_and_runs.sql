-- Flows and their runs. A test run is one `perceo run` (locally or in the Action); it holds one
-- flow run per flow, each with its attempts (retries), their step results and screenshots.
-- Child rows carry project_id too, pinned to their parent's by composite foreign keys, so that
-- every table has the same one-line RLS policy.

-- A flow as defined in .perceo/flows/*.yml on the default branch.
create table public.flows (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  file text not null check (length(file) between 1 and 500),
  priority text not null default 'medium' check (priority in ('critical', 'high', 'medium', 'low')),
  definition jsonb not null default '{}' check (jsonb_typeof(definition) = 'object'),
  synced_sha text check (synced_sha ~ '^[0-9a-f]{7,64}$'),
  active boolean not null default true,
  updated_at timestamptz not null default now(),
  unique (project_id, name)
);
alter table public.flows enable row level security;

-- One run of the runner: `id` in the run result is run_key, unique per project, so a run sent twice
-- (a retried upload, a redelivered job) is recorded once. In CI the key is built from
-- GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT.
create table public.test_runs (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  run_key text not null check (length(run_key) between 1 and 200),
  source text not null default 'local' check (source in ('local', 'ci')),
  status text not null check (status in ('passed', 'failed')),
  base_url text not null,
  commit_sha text check (commit_sha ~ '^[0-9a-f]{7,64}$'),
  branch text,
  pr_number integer check (pr_number > 0),
  ci_run_id bigint check (ci_run_id > 0),
  ci_run_attempt integer check (ci_run_attempt > 0),
  started_at timestamptz not null,
  finished_at timestamptz not null,
  duration_ms double precision not null check (duration_ms >= 0),
  browser jsonb not null check (jsonb_typeof(browser) = 'object'),
  passed_count integer not null check (passed_count >= 0),
  failed_count integer not null check (failed_count >= 0),
  flaky_count integer not null check (flaky_count >= 0),
  skipped_count integer not null check (skipped_count >= 0),
  recorded_at timestamptz not null default now(),
  check (finished_at >= started_at),
  unique (project_id, run_key),
  unique (id, project_id)
);
alter table public.test_runs enable row level security;
create index test_runs_project_started_idx on public.test_runs (project_id, started_at desc);
create index test_runs_started_idx on public.test_runs (started_at desc);
create index test_runs_run_key_idx on public.test_runs (run_key);
create index test_runs_project_commit_idx on public.test_runs (project_id, commit_sha);

-- One flow within a test run.
create table public.flow_runs (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  test_run_id uuid not null,
  flow_id uuid references public.flows (id) on delete set null,
  flow_name text not null check (length(flow_name) between 1 and 200),
  flow_file text not null,
  priority text not null check (priority in ('critical', 'high', 'medium', 'low')),
  status text not null check (status in ('passed', 'failed', 'flaky', 'skipped')),
  duration_ms double precision not null check (duration_ms >= 0),
  position integer not null check (position >= 0),
  foreign key (test_run_id, project_id) references public.test_runs (id, project_id) on delete cascade,
  unique (test_run_id, flow_name),
  unique (id, project_id)
);
alter table public.flow_runs enable row level security;
create index flow_runs_project_flow_idx on public.flow_runs (project_id, flow_name);
create index flow_runs_flow_id_idx on public.flow_runs (flow_id);

-- One attempt (the first try or a retry) of a flow run.
create table public.flow_run_attempts (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  flow_run_id uuid not null,
  attempt integer not null check (attempt >= 0),
  status text not null check (status in ('passed', 'failed')),
  duration_ms double precision not null check (duration_ms >= 0),
  trace_path text,
  trace_storage_path text,
  error jsonb check (error is null or jsonb_typeof(error) = 'object'),
  foreign key (flow_run_id, project_id) references public.flow_runs (id, project_id) on delete cascade,
  unique (flow_run_id, attempt),
  unique (id, project_id)
);
alter table public.flow_run_attempts enable row level security;

-- The result of one step in one attempt.
create table public.step_results (
  project_id uuid not null,
  attempt_id uuid not null,
  step_index integer not null check (step_index >= 0),
  title text not null,
  action text not null check (length(action) between 1 and 100),
  status text not null check (status in ('passed', 'failed', 'skipped')),
  duration_ms double precision not null check (duration_ms >= 0),
  error jsonb check (error is null or jsonb_typeof(error) = 'object'),
  location jsonb not null check (jsonb_typeof(location) = 'object'),
  primary key (attempt_id, step_index),
  foreign key (attempt_id, project_id) references public.flow_run_attempts (id, project_id) on delete cascade
);
alter table public.step_results enable row level security;

-- A screenshot: taken by a flow step (attempt_id set) or by a page capture. storage_path is the
-- object's path in the `screenshots` bucket; path is where the run's report put it.
create table public.screenshots (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  attempt_id uuid,
  flow_name text not null check (length(flow_name) between 1 and 200),
  step_name text not null check (length(step_name) between 1 and 200),
  step_index integer not null check (step_index >= 0),
  viewport_width integer not null check (viewport_width between 1 and 20000),
  viewport_height integer not null check (viewport_height between 1 and 100000),
  path text,
  storage_path text,
  commit_sha text check (commit_sha ~ '^[0-9a-f]{7,64}$'),
  branch text,
  approval text not null default 'pending' check (approval in ('pending', 'approved', 'rejected')),
  reviewed_by text,
  reviewed_at timestamptz,
  position integer not null default 0 check (position >= 0),
  captured_at timestamptz not null default now(),
  check ((approval = 'pending') = (reviewed_at is null)),
  check (path is not null or storage_path is not null),
  foreign key (attempt_id, project_id) references public.flow_run_attempts (id, project_id) on delete cascade,
  unique (attempt_id, step_index, step_name, viewport_width, viewport_height),
  unique (id, project_id)
);
alter table public.screenshots enable row level security;
-- A page capture (no attempt) is recorded once per stored object.
create unique index screenshots_capture_path_idx on public.screenshots (project_id, storage_path)
  where attempt_id is null;
create index screenshots_project_flow_idx
  on public.screenshots (project_id, flow_name, step_name, viewport_width, viewport_height);

-- An approved screenshot that later runs compare against, per (flow, step, viewport, commit).
create table public.baselines (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  screenshot_id uuid not null,
  flow_name text not null,
  step_name text not null,
  viewport_width integer not null check (viewport_width > 0),
  viewport_height integer not null check (viewport_height > 0),
  commit_sha text not null check (commit_sha ~ '^[0-9a-f]{7,64}$'),
  branch text not null,
  approved_by text,
  approved_at timestamptz not null default now(),
  foreign key (screenshot_id, project_id) references public.screenshots (id, project_id) on delete cascade,
  unique (project_id, flow_name, step_name, viewport_width, viewport_height, commit_sha)
);
alter table public.baselines enable row level security;
create index baselines_screenshot_idx on public.baselines (screenshot_id);
create index baselines_resolve_idx on public.baselines
  (project_id, flow_name, step_name, viewport_width, viewport_height, branch, approved_at desc);

create policy "Members read their projects' flows." on public.flows
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' test runs." on public.test_runs
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' flow runs." on public.flow_runs
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' attempts." on public.flow_run_attempts
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' step results." on public.step_results
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' screenshots." on public.screenshots
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' baselines." on public.baselines
  for select to authenticated using (project_id in (select private.member_project_ids()));

grant select on public.flows, public.test_runs, public.flow_runs, public.flow_run_attempts,
  public.step_results, public.screenshots, public.baselines to authenticated;
grant all on public.flows, public.test_runs, public.flow_runs, public.flow_run_attempts,
  public.step_results, public.screenshots, public.baselines to service_role;
revoke all on public.flows, public.test_runs, public.flow_runs, public.flow_run_attempts,
  public.step_results, public.screenshots, public.baselines from anon;

-- Records a run result (shared/runner/result.ts) in one transaction, idempotent on
-- (project, run id): sending the same run again updates rows in place and removes flows, attempts,
-- steps and screenshots that are no longer in it. p_context: source, commitSha, branch, prNumber,
-- ciRunId, ciRunAttempt, and artifacts (report path → storage path).
create function public.record_test_run(p_project_id uuid, p_run jsonb, p_context jsonb default '{}')
returns uuid
language plpgsql set search_path = ''
as $$
declare
  v_run_id uuid;
  v_flow jsonb;
  v_flow_position bigint;
  v_flow_run_id uuid;
  v_attempt jsonb;
  v_attempt_id uuid;
  v_artifacts jsonb := coalesce(p_context -> 'artifacts', '{}');
begin
  insert into public.test_runs as r (
    project_id, run_key, source, status, base_url, commit_sha, branch, pr_number, ci_run_id,
    ci_run_attempt, started_at, finished_at, duration_ms, browser,
    passed_count, failed_count, flaky_count, skipped_count
  ) values (
    p_project_id, p_run ->> 'id', coalesce(p_context ->> 'source', 'local'), p_run ->> 'status',
    p_run ->> 'baseUrl', p_context ->> 'commitSha', p_context ->> 'branch',
    (p_context ->> 'prNumber')::integer, (p_context ->> 'ciRunId')::bigint,
    (p_context ->> 'ciRunAttempt')::integer, (p_run ->> 'startedAt')::timestamptz,
    (p_run ->> 'finishedAt')::timestamptz, (p_run ->> 'durationMs')::double precision,
    p_run -> 'browser', (p_run #>> '{totals,passed}')::integer, (p_run #>> '{totals,failed}')::integer,
    (p_run #>> '{totals,flaky}')::integer, (p_run #>> '{totals,skipped}')::integer
  )
  on conflict (project_id, run_key) do update set
    source = excluded.source, status = excluded.status, base_url = excluded.base_url,
    commit_sha = excluded.commit_sha, branch = excluded.branch, pr_number = excluded.pr_number,
    ci_run_id = excluded.ci_run_id, ci_run_attempt = excluded.ci_run_attempt,
    started_at = excluded.started_at, finished_at = excluded.finished_at,
    duration_ms = excluded.duration_ms, browser = excluded.browser,
    passed_count = excluded.passed_count, failed_count = excluded.failed_count,
    flaky_count = excluded.flaky_count, skipped_count = excluded.skipped_count,
    recorded_at = now()
  returning r.id into v_run_id;

  delete from public.flow_runs f
  where f.test_run_id = v_run_id
    and f.flow_name not in (select e ->> 'name' from jsonb_array_elements(p_run -> 'flows') e);

  for v_flow, v_flow_position in
    select value, ordinality - 1 from jsonb_array_elements(p_run -> 'flows') with ordinality
  loop
    insert into public.flow_runs as f (
      project_id, test_run_id, flow_id, flow_name, flow_file, priority, status, duration_ms, position
    ) values (
      p_project_id, v_run_id,
      (select id from public.flows where project_id = p_project_id and name = v_flow ->> 'name'),
      v_flow ->> 'name', v_flow ->> 'file', v_flow ->> 'priority', v_flow ->> 'status',
      (v_flow ->> 'durationMs')::double precision, v_flow_position
    )
    on conflict (test_run_id, flow_name) do update set
      flow_id = excluded.flow_id, flow_file = excluded.flow_file, priority = excluded.priority,
      status = excluded.status, duration_ms = excluded.duration_ms, position = excluded.position
    returning f.id into v_flow_run_id;

    delete from public.flow_run_attempts a
    where a.flow_run_id = v_flow_run_id
      and a.attempt not in (
        select (e ->> 'attempt')::integer from jsonb_array_elements(v_flow -> 'attempts') e
      );

    for v_attempt in select value from jsonb_array_elements(v_flow -> 'attempts') loop
      insert into public.flow_run_attempts as a (
        project_id, flow_run_id, attempt, status, duration_ms, trace_path, trace_storage_path, error
      ) values (
        p_project_id, v_flow_run_id, (v_attempt ->> 'attempt')::integer, v_attempt ->> 'status',
        (v_attempt ->> 'durationMs')::double precision, v_attempt ->> 'trace',
        v_artifacts ->> (v_attempt ->> 'trace'), v_attempt -> 'error'
      )
      on conflict (flow_run_id, attempt) do update set
        status = excluded.status, duration_ms = excluded.duration_ms, trace_path = excluded.trace_path,
        trace_storage_path = excluded.trace_storage_path, error = excluded.error
      returning a.id into v_attempt_id;

      delete from public.step_results s
      where s.attempt_id = v_attempt_id
        and s.step_index not in (
          select (e ->> 'index')::integer from jsonb_array_elements(v_attempt -> 'steps') e
        );
      insert into public.step_results (
        project_id, attempt_id, step_index, title, action, status, duration_ms, error, location
      )
      select p_project_id, v_attempt_id, (e ->> 'index')::integer, e ->> 'title', e ->> 'action',
        e ->> 'status', (e ->> 'durationMs')::double precision, e -> 'error', e -> 'location'
      from jsonb_array_elements(v_attempt -> 'steps') e
      on conflict (attempt_id, step_index) do update set
        title = excluded.title, action = excluded.action, status = excluded.status,
        duration_ms = excluded.duration_ms, error = excluded.error, location = excluded.location;

      delete from public.screenshots s
      where s.attempt_id = v_attempt_id
        and (s.step_index, s.step_name, s.viewport_width, s.viewport_height) not in (
          select (e ->> 'stepIndex')::integer, e ->> 'name', (e #>> '{viewport,width}')::integer,
            (e #>> '{viewport,height}')::integer
          from jsonb_array_elements(v_attempt -> 'screenshots') e
        );
      insert into public.screenshots (
        project_id, attempt_id, flow_name, step_name, step_index, viewport_width, viewport_height,
        path, storage_path, commit_sha, branch, position
      )
      select p_project_id, v_attempt_id, v_flow ->> 'name', e ->> 'name', (e ->> 'stepIndex')::integer,
        (e #>> '{viewport,width}')::integer, (e #>> '{viewport,height}')::integer, e ->> 'path',
        v_artifacts ->> (e ->> 'path'), p_context ->> 'commitSha', p_context ->> 'branch', ordinality - 1
      from jsonb_array_elements(v_attempt -> 'screenshots') with ordinality as shot(e, ordinality)
      on conflict (attempt_id, step_index, step_name, viewport_width, viewport_height) do update set
        path = excluded.path, storage_path = excluded.storage_path, commit_sha = excluded.commit_sha,
        branch = excluded.branch, position = excluded.position;
    end loop;
  end loop;

  return v_run_id;
end
$$;
revoke all on function public.record_test_run(uuid, jsonb, jsonb) from public, anon, authenticated;
grant execute on function public.record_test_run(uuid, jsonb, jsonb) to service_role;

-- A recorded run rebuilt as the runner's RunResult JSON; null when the caller may not see it.
create function public.test_run_result(p_test_run_id uuid) returns jsonb
language sql stable set search_path = ''
as $$
  select jsonb_strip_nulls(jsonb_build_object(
    'id', r.run_key,
    'project', p.full_name,
    'baseUrl', r.base_url,
    'startedAt', private.iso_time(r.started_at),
    'finishedAt', private.iso_time(r.finished_at),
    'durationMs', r.duration_ms,
    'status', r.status,
    'browser', r.browser,
    'totals', jsonb_build_object(
      'passed', r.passed_count, 'failed', r.failed_count,
      'flaky', r.flaky_count, 'skipped', r.skipped_count
    ),
    'flows', coalesce((
      select jsonb_agg(jsonb_build_object(
        'name', f.flow_name, 'file', f.flow_file, 'priority', f.priority, 'status', f.status,
        'durationMs', f.duration_ms,
        'attempts', coalesce((
          select jsonb_agg(jsonb_build_object(
            'attempt', a.attempt, 'status', a.status, 'durationMs', a.duration_ms,
            'trace', a.trace_path, 'error', a.error,
            'steps', coalesce((
              select jsonb_agg(jsonb_build_object(
                'index', s.step_index, 'title', s.title, 'action', s.action, 'status', s.status,
                'durationMs', s.duration_ms, 'error', s.error, 'location', s.location
              ) order by s.step_index)
              from public.step_results s where s.attempt_id = a.id
            ), '[]'),
            'screenshots', coalesce((
              select jsonb_agg(jsonb_build_object(
                'name', sc.step_name, 'path', sc.path, 'stepIndex', sc.step_index,
                'viewport', jsonb_build_object('width', sc.viewport_width, 'height', sc.viewport_height)
              ) order by sc.position)
              from public.screenshots sc where sc.attempt_id = a.id
            ), '[]')
          ) order by a.attempt)
          from public.flow_run_attempts a where a.flow_run_id = f.id
        ), '[]')
      ) order by f.position)
      from public.flow_runs f where f.test_run_id = r.id
    ), '[]')
  ))
  from public.test_runs r join public.projects p on p.id = r.project_id
  where r.id = p_test_run_id
$$;
grant execute on function public.test_run_result(uuid) to authenticated, service_role;

-- Approves a screenshot and makes it the baseline for its commit when it was taken on a branch.
create function public.approve_screenshot(p_screenshot_id uuid, p_reviewed_by text default null)
returns uuid
language plpgsql set search_path = ''
as $$
declare
  v_shot public.screenshots;
  v_baseline_id uuid;
begin
  update public.screenshots
  set approval = 'approved', reviewed_by = p_reviewed_by, reviewed_at = now()
  where id = p_screenshot_id
  returning * into v_shot;
  if not found then
    raise exception 'screenshot % not found', p_screenshot_id using errcode = 'no_data_found';
  end if;
  if v_shot.commit_sha is null or v_shot.branch is null then
    return null;
  end if;
  insert into public.baselines as b (
    project_id, screenshot_id, flow_name, step_name, viewport_width, viewport_height, commit_sha,
    branch, approved_by
  ) values (
    v_shot.project_id, v_shot.id, v_shot.flow_name, v_shot.step_name, v_shot.viewport_width,
    v_shot.viewport_height, v_shot.commit_sha, v_shot.branch, p_reviewed_by
  )
  on conflict (project_id, flow_name, step_name, viewport_width, viewport_height, commit_sha)
  do update set screenshot_id = excluded.screenshot_id, branch = excluded.branch,
    approved_by = excluded.approved_by, approved_at = now()
  returning b.id into v_baseline_id;
  return v_baseline_id;
end
$$;
revoke all on function public.approve_screenshot(uuid, text) from public, anon, authenticated;
grant execute on function public.approve_screenshot(uuid, text) to service_role;

-- The baseline for a flow/step/viewport: the one approved at the merge-base commit on the default
-- branch, else the newest one approved on the default branch.
create function public.resolve_baseline(
  p_project_id uuid, p_flow_name text, p_step_name text, p_viewport_width integer,
  p_viewport_height integer, p_merge_base_sha text default null
) returns table (
  baseline_id uuid, screenshot_id uuid, commit_sha text, branch text, storage_path text, path text,
  approved_at timestamptz, from_merge_base boolean
)
language sql stable set search_path = ''
as $$
  select b.id, b.screenshot_id, b.commit_sha, b.branch, s.storage_path, s.path, b.approved_at,
    b.commit_sha = p_merge_base_sha
  from public.baselines b
  join public.projects p on p.id = b.project_id and p.default_branch = b.branch
  join public.screenshots s on s.id = b.screenshot_id
  where b.project_id = p_project_id and b.flow_name = p_flow_name and b.step_name = p_step_name
    and b.viewport_width = p_viewport_width and b.viewport_height = p_viewport_height
  order by (b.commit_sha = p_merge_base_sha) is true desc, b.approved_at desc
  limit 1
$$;
grant execute on function public.resolve_baseline(uuid, text, text, integer, integer, text)
  to authenticated, service_role;
