-- Product analytics events pulled from PostHog / GA4, partitioned by month so that old months can be
-- detached cheaply and scans of a window touch only its months. Idempotent on the provider's event
-- id: a sync that runs twice stores each event once.

create table public.analytics_events (
  project_id uuid not null references public.projects (id) on delete cascade,
  source text not null check (source in ('posthog', 'ga4', 'custom')),
  event_id text not null check (length(event_id) between 1 and 200),
  event_name text not null check (length(event_name) between 1 and 200),
  distinct_id text,
  occurred_at timestamptz not null,
  properties jsonb not null default '{}' check (jsonb_typeof(properties) = 'object'),
  primary key (project_id, source, event_id, occurred_at)
) partition by range (occurred_at);
alter table public.analytics_events enable row level security;
create index analytics_events_name_idx on public.analytics_events (project_id, event_name, occurred_at);

create policy "Members read their projects' analytics events." on public.analytics_events
  for select to authenticated using (project_id in (select private.member_project_ids()));
grant select on public.analytics_events to authenticated;
grant all on public.analytics_events to service_role;
revoke all on public.analytics_events from anon;

-- Creates the monthly partitions (UTC months) from p_from's month for p_months months, skipping
-- those that exist, and returns the names it created. The job queue's crontab calls it ahead of
-- time; the Store calls it for the months of a batch it is about to insert.
create function public.create_analytics_event_partitions(p_from date default current_date, p_months integer default 3)
returns setof text
language plpgsql security definer set search_path = ''
as $$
declare
  v_month date;
  v_name text;
begin
  if p_months < 1 or p_months > 120 then
    raise exception 'p_months must be between 1 and 120, not %', p_months using errcode = 'invalid_parameter_value';
  end if;
  -- Two writers creating the same month must not collide.
  perform pg_advisory_xact_lock(hashtext('perceo.analytics_event_partitions'));
  for i in 0 .. p_months - 1 loop
    v_month := (date_trunc('month', p_from) + make_interval(months => i))::date;
    v_name := 'analytics_events_' || to_char(v_month, 'YYYY_MM');
    if to_regclass('public.' || v_name) is null then
      execute format(
        'create table public.%I partition of public.analytics_events for values from (%L) to (%L)',
        v_name, v_month || ' 00:00:00+00', (v_month + interval '1 month')::date || ' 00:00:00+00'
      );
      -- Reading a partition directly must not side-step the parent's RLS (Supabase grants new
      -- tables in public to anon and authenticated by default).
      execute format('alter table public.%I enable row level security', v_name);
      execute format('revoke all on public.%I from anon, authenticated', v_name);
      return next v_name;
    end if;
  end loop;
end
$$;
revoke all on function public.create_analytics_event_partitions(date, integer) from public, anon, authenticated;
grant execute on function public.create_analytics_event_partitions(date, integer) to service_role;

select public.create_analytics_event_partitions((current_date - interval '1 month')::date, 5);
