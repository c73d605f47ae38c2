-- What Perceo predicts and learns: impact predictions per pull request and their outcomes,
-- insights, flow metrics, suggestions it keeps track of, and what people said about its findings.

-- A predicted impact of a pull request's head commit on one flow, and later what actually happened.
create table public.predictions (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  pr_number integer check (pr_number > 0),
  head_sha text not null check (head_sha ~ '^[0-9a-f]{7,64}$'),
  flow_name text not null check (length(flow_name) between 1 and 200),
  probability double precision not null check (probability between 0 and 1),
  confidence double precision not null check (confidence between 0 and 1),
  reasoning text not null default '',
  source text not null default 'rules' check (source in ('rules', 'llm', 'coverage')),
  actual_result text check (actual_result in ('passed', 'failed', 'flaky', 'skipped', 'not_run')),
  actual_recorded_at timestamptz,
  created_at timestamptz not null default now(),
  check ((actual_result is null) = (actual_recorded_at is null)),
  unique (project_id, head_sha, flow_name)
);
alter table public.predictions enable row level security;
create index predictions_project_pr_idx on public.predictions (project_id, pr_number);

-- Something worth telling the team, deduplicated by fingerprint.
create table public.insights (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  fingerprint text not null check (length(fingerprint) between 1 and 200),
  kind text not null check (kind in (
    'flaky_flow', 'failing_flow', 'coverage_gap', 'performance', 'visual', 'accessibility', 'analytics'
  )),
  severity text not null default 'info' check (severity in ('info', 'low', 'medium', 'high', 'critical')),
  title text not null check (length(title) between 1 and 300),
  body text not null default '',
  status text not null default 'open' check (status in ('open', 'resolved', 'dismissed')),
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  check (last_seen_at >= first_seen_at),
  unique (project_id, fingerprint)
);
alter table public.insights enable row level security;
create index insights_project_status_idx on public.insights (project_id, status, last_seen_at desc);

-- A flow's health per day: synthetic (our runs) or production (analytics funnels).
create table public.flow_metrics (
  project_id uuid not null references public.projects (id) on delete cascade,
  flow_name text not null check (length(flow_name) between 1 and 200),
  source text not null check (source in ('synthetic', 'production')),
  metric text not null check (metric ~ '^[a-z][a-z0-9_]{0,62}$'),
  day date not null,
  value double precision not null check (value not in ('NaN', 'Infinity', '-Infinity')),
  samples integer not null default 1 check (samples >= 0),
  primary key (project_id, flow_name, source, metric, day)
);
alter table public.flow_metrics enable row level security;

-- A suggestion (from the weekly scan, an audit or Claude) tracked across scans by fingerprint.
create table public.tracked_suggestions (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  fingerprint text not null check (length(fingerprint) between 1 and 200),
  source text not null check (source in ('weekly_scan', 'audit', 'llm', 'analytics')),
  title text not null check (length(title) between 1 and 300),
  body text not null default '',
  status text not null default 'open' check (status in ('open', 'accepted', 'dismissed', 'done')),
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  check (last_seen_at >= first_seen_at),
  unique (project_id, fingerprint)
);
alter table public.tracked_suggestions enable row level security;

-- What a person said about a finding: ignore it (by fingerprint, so it does not come back),
-- confirm it, or call it a false positive.
create table public.finding_feedback (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  finding_fingerprint text not null check (length(finding_fingerprint) between 1 and 200),
  verdict text not null check (verdict in ('ignore', 'confirm', 'false_positive')),
  actor text not null check (length(actor) between 1 and 100),
  comment text,
  created_at timestamptz not null default now(),
  unique (project_id, finding_fingerprint, actor)
);
alter table public.finding_feedback enable row level security;

create policy "Members read their projects' predictions." on public.predictions
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' insights." on public.insights
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' flow metrics." on public.flow_metrics
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' suggestions." on public.tracked_suggestions
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' feedback." on public.finding_feedback
  for select to authenticated using (project_id in (select private.member_project_ids()));

grant select on public.predictions, public.insights, public.flow_metrics, public.tracked_suggestions,
  public.finding_feedback to authenticated;
grant all on public.predictions, public.insights, public.flow_metrics, public.tracked_suggestions,
  public.finding_feedback to service_role;
revoke all on public.predictions, public.insights, public.flow_metrics, public.tracked_suggestions,
  public.finding_feedback from anon;
