-- Tenancy: every row in Perceo belongs to a project (one per GitHub repository, or one per local
-- checkout when the CLI runs without GitHub). People see a project's rows through project_members.

create schema if not exists private;
grant usage on schema private to authenticated, service_role;

-- A project: one GitHub repository (installation + repository id), or a local project by name.
create table public.projects (
  id uuid primary key default gen_random_uuid(),
  full_name text not null unique check (length(full_name) between 1 and 200 and full_name !~ '\s'),
  installation_id bigint check (installation_id > 0),
  repository_id bigint unique check (repository_id > 0),
  default_branch text not null default 'main' check (length(default_branch) between 1 and 255),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.projects enable row level security;

-- Who may read a project's rows: a Supabase user (auth.users) with a role in the project.
create table public.project_members (
  project_id uuid not null references public.projects (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (project_id, user_id)
);
alter table public.project_members enable row level security;
create index project_members_user_id_idx on public.project_members (user_id);

-- The projects the calling user belongs to. Security definer so that policies on project_members
-- itself can use it without recursing into their own RLS.
create function private.member_project_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select project_id from public.project_members where user_id = (select auth.uid())
$$;
revoke all on function private.member_project_ids() from public;
grant execute on function private.member_project_ids() to authenticated, service_role;

-- Timestamps as JavaScript's toISOString() writes them, so results read back equal what was sent.
create function private.iso_time(value timestamptz) returns text
language sql stable set search_path = ''
as $$
  select to_char(value at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
grant execute on function private.iso_time(timestamptz) to authenticated, service_role;

create policy "Members read their projects." on public.projects
  for select to authenticated using (id in (select private.member_project_ids()));
create policy "Members read their projects' memberships." on public.project_members
  for select to authenticated using (project_id in (select private.member_project_ids()));

-- Personas a flow can run as (.perceo/personas.yml), synced from the default branch.
create table public.personas (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  description text,
  attributes jsonb not null default '{}' check (jsonb_typeof(attributes) = 'object'),
  updated_at timestamptz not null default now(),
  unique (project_id, name)
);
alter table public.personas enable row level security;
create policy "Members read their projects' personas." on public.personas
  for select to authenticated using (project_id in (select private.member_project_ids()));

grant select on public.projects, public.project_members, public.personas to authenticated;
grant all on public.projects, public.project_members, public.personas to service_role;
revoke all on public.projects, public.project_members, public.personas from anon;
