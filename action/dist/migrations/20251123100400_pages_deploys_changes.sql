-- Watching live pages: monitored pages, deploys, page analyses, the element-level changes they
-- detect, and how each change fares over time. A detected change moves through a small state
-- machine enforced here; every move is written to change_lifecycle_events in the same transaction,
-- and checkpoints, once measured, never change.

-- A monitored URL.
create table public.pages (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  url text not null check (url ~ '^https?://[^\s]+$' and length(url) <= 2000),
  name text,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  unique (project_id, url),
  unique (id, project_id)
);
alter table public.pages enable row level security;

-- A deploy of one commit; a redelivered deployment_status finds the row already there.
create table public.deploys (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  sha text not null check (sha ~ '^[0-9a-f]{7,64}$'),
  environment text not null default 'production' check (length(environment) between 1 and 100),
  url text check (url ~ '^https?://[^\s]+$'),
  status text not null default 'success' check (status in ('pending', 'success', 'failure', 'error')),
  deployed_at timestamptz not null default now(),
  unique (project_id, sha)
);
alter table public.deploys enable row level security;
create index deploys_project_deployed_idx on public.deploys (project_id, deployed_at desc);

-- One scan of one page at one commit: a deploy diff, a weekly scan or an audit.
create table public.analyses (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  page_id uuid not null,
  deploy_id uuid references public.deploys (id) on delete set null,
  kind text not null check (kind in ('deploy_diff', 'weekly_scan', 'audit')),
  commit_sha text not null check (commit_sha ~ '^[0-9a-f]{7,64}$'),
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
  summary jsonb not null default '{}' check (jsonb_typeof(summary) = 'object'),
  error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  check ((status in ('succeeded', 'failed')) = (finished_at is not null)),
  foreign key (page_id, project_id) references public.pages (id, project_id) on delete cascade,
  unique (page_id, kind, commit_sha)
);
alter table public.analyses enable row level security;
create index analyses_deploy_idx on public.analyses (deploy_id);

-- An element that changed on a page, first seen on a given day; its status says how it fared.
create table public.detected_changes (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  page_id uuid not null,
  analysis_id uuid references public.analyses (id) on delete set null,
  deploy_id uuid references public.deploys (id) on delete set null,
  element text not null check (length(element) between 1 and 1000),
  kind text not null check (kind in ('visual', 'text', 'layout', 'added', 'removed')),
  before text,
  after text,
  first_detected_date date not null default ((now() at time zone 'utc')::date),
  first_detected_at timestamptz not null default now(),
  status text not null default 'watching'
    check (status in ('watching', 'validated', 'regressed', 'inconclusive', 'reverted')),
  status_changed_at timestamptz not null default now(),
  foreign key (page_id, project_id) references public.pages (id, project_id) on delete cascade,
  unique (page_id, element, first_detected_date),
  unique (id, project_id)
);
alter table public.detected_changes enable row level security;
create index detected_changes_project_status_idx on public.detected_changes (project_id, status);
create index detected_changes_analysis_idx on public.detected_changes (analysis_id);
create index detected_changes_deploy_idx on public.detected_changes (deploy_id);

-- The legal moves of a detected change. Anything not listed is refused.
create table public.change_status_transitions (
  from_status text not null,
  to_status text not null,
  primary key (from_status, to_status)
);
alter table public.change_status_transitions enable row level security;
insert into public.change_status_transitions (from_status, to_status) values
  ('watching', 'validated'),
  ('watching', 'regressed'),
  ('watching', 'inconclusive'),
  ('watching', 'reverted'),
  ('inconclusive', 'watching'),
  ('inconclusive', 'reverted'),
  ('validated', 'reverted'),
  ('regressed', 'reverted');

-- Append-only log of every status a detected change has had, its first one included.
create table public.change_lifecycle_events (
  id bigint generated always as identity primary key,
  project_id uuid not null,
  change_id uuid not null,
  from_status text,
  to_status text not null,
  reason text,
  actor text,
  occurred_at timestamptz not null default now(),
  foreign key (change_id, project_id) references public.detected_changes (id, project_id) on delete cascade
);
alter table public.change_lifecycle_events enable row level security;
create index change_lifecycle_events_change_idx on public.change_lifecycle_events (change_id, id);

-- What a change did to the product's metrics after 7, 14, 30, 60 or 90 days. Immutable.
create table public.change_checkpoints (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  change_id uuid not null,
  horizon_days integer not null check (horizon_days in (7, 14, 30, 60, 90)),
  verdict text not null check (verdict in ('improved', 'worsened', 'neutral', 'insufficient_data')),
  metrics jsonb not null default '{}' check (jsonb_typeof(metrics) = 'object'),
  measured_at timestamptz not null default now(),
  foreign key (change_id, project_id) references public.detected_changes (id, project_id) on delete cascade,
  unique (change_id, horizon_days)
);
alter table public.change_checkpoints enable row level security;

create function private.guard_change_status() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'watching' then
      raise exception 'a detected change starts as "watching", not "%"', new.status
        using errcode = 'check_violation', constraint = 'detected_changes_status_transition';
    end if;
  elsif new.status is distinct from old.status then
    if not exists (
      select from public.change_status_transitions t
      where t.from_status = old.status and t.to_status = new.status
    ) then
      raise exception 'illegal status transition "%" -> "%" for detected change %', old.status, new.status, old.id
        using errcode = 'check_violation', constraint = 'detected_changes_status_transition';
    end if;
    new.status_changed_at := now();
  end if;
  return new;
end
$$;
create trigger detected_changes_guard_status
  before insert or update of status on public.detected_changes
  for each row execute function private.guard_change_status();

-- Reason and actor come from transaction-local settings that transition_detected_change() sets.
create function private.log_change_status() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into public.change_lifecycle_events (project_id, change_id, from_status, to_status, reason, actor)
    values (
      new.project_id, new.id, case when tg_op = 'UPDATE' then old.status end, new.status,
      nullif(current_setting('perceo.change_reason', true), ''),
      nullif(current_setting('perceo.change_actor', true), '')
    );
  end if;
  return null;
end
$$;
create trigger detected_changes_log_status
  after insert or update of status on public.detected_changes
  for each row execute function private.log_change_status();

-- Rows that record history refuse updates, and deletes unless their detected change is going too.
create function private.forbid_rewriting_history() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and not exists (select from public.detected_changes c where c.id = old.change_id) then
    return old;
  end if;
  raise exception '% rows are immutable', tg_table_name using errcode = 'restrict_violation';
end
$$;
create trigger change_checkpoints_immutable
  before update or delete on public.change_checkpoints
  for each row execute function private.forbid_rewriting_history();
create trigger change_lifecycle_events_immutable
  before update or delete on public.change_lifecycle_events
  for each row execute function private.forbid_rewriting_history();

-- Moves a detected change to a new status and returns the lifecycle event written for it. Moving to
-- the status it already has changes nothing and returns its latest event, so a retried job is safe.
create function public.transition_detected_change(
  p_change_id uuid, p_to_status text, p_reason text default null, p_actor text default null
) returns public.change_lifecycle_events
language plpgsql set search_path = ''
as $$
declare
  v_event public.change_lifecycle_events;
begin
  perform set_config('perceo.change_reason', coalesce(p_reason, ''), true);
  perform set_config('perceo.change_actor', coalesce(p_actor, ''), true);
  update public.detected_changes set status = p_to_status where id = p_change_id;
  if not found then
    raise exception 'detected change % not found', p_change_id using errcode = 'no_data_found';
  end if;
  perform set_config('perceo.change_reason', '', true);
  perform set_config('perceo.change_actor', '', true);
  select * into v_event from public.change_lifecycle_events e
  where e.change_id = p_change_id order by e.id desc limit 1;
  return v_event;
end
$$;
revoke all on function public.transition_detected_change(uuid, text, text, text) from public, anon, authenticated;
grant execute on function public.transition_detected_change(uuid, text, text, text) to service_role;

create policy "Members read their projects' pages." on public.pages
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' deploys." on public.deploys
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' analyses." on public.analyses
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' detected changes." on public.detected_changes
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Signed-in users read the change transition rules." on public.change_status_transitions
  for select to authenticated using (true);
create policy "Members read their projects' change history." on public.change_lifecycle_events
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' checkpoints." on public.change_checkpoints
  for select to authenticated using (project_id in (select private.member_project_ids()));

grant select on public.pages, public.deploys, public.analyses, public.detected_changes,
  public.change_status_transitions, public.change_lifecycle_events, public.change_checkpoints
  to authenticated;
grant all on public.pages, public.deploys, public.analyses, public.detected_changes,
  public.change_lifecycle_events, public.change_checkpoints to service_role;
grant select on public.change_status_transitions to service_role;
revoke all on public.pages, public.deploys, public.analyses, public.detected_changes,
  public.change_status_transitions, public.change_lifecycle_events, public.change_checkpoints
  from anon;
