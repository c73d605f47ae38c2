-- The weekly scan: one row per project and ISO week (what makes a rerun in the same week open no
-- second issue), the findings it posted as comments (where people react 👍 / 👎), and how often
-- each suggestion was made.

-- One weekly scan of one project; week_start is the Monday of its ISO week.
create table public.weekly_scans (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  week_start date not null check (extract(isodow from week_start) = 1),
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'skipped')),
  issue_number integer check (issue_number > 0),
  summary jsonb not null default '{}' check (jsonb_typeof(summary) = 'object'),
  error text,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  unique (project_id, week_start),
  unique (id, project_id)
);
alter table public.weekly_scans enable row level security;

-- A finding a weekly scan posted as its own comment on the issue, so reactions can be read per finding.
create table public.weekly_scan_findings (
  scan_id uuid not null,
  project_id uuid not null,
  fingerprint text not null check (length(fingerprint) between 1 and 200),
  -- What the finding looked like that week: a 👎 holds until the evidence changes.
  evidence text not null check (length(evidence) between 1 and 200),
  title text not null check (length(title) between 1 and 300),
  comment_id bigint check (comment_id > 0),
  primary key (scan_id, fingerprint),
  foreign key (scan_id, project_id) references public.weekly_scans (id, project_id) on delete cascade
);
alter table public.weekly_scan_findings enable row level security;

-- Suggestions count the weeks they were made in, remember the page they are about, and when they
-- were addressed (the finding disappeared).
alter table public.tracked_suggestions
  add column times_suggested integer not null default 1 check (times_suggested >= 1),
  add column last_suggested_week date,
  add column page_id uuid references public.pages (id) on delete cascade,
  add column impact text check (impact in ('high', 'medium', 'low')),
  add column addressed_at timestamptz;
create index tracked_suggestions_page_idx on public.tracked_suggestions (page_id, status);

create policy "Members read their projects' weekly scans." on public.weekly_scans
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' weekly scan findings." on public.weekly_scan_findings
  for select to authenticated using (project_id in (select private.member_project_ids()));

grant select on public.weekly_scans, public.weekly_scan_findings to authenticated;
grant all on public.weekly_scans, public.weekly_scan_findings to service_role;
revoke all on public.weekly_scans, public.weekly_scan_findings from anon;
