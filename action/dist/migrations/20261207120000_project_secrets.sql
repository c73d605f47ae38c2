-- A project's secrets (its analytics key), set by the App's operator with `perceo secrets set`.
-- The App seals each value itself (AES-256-GCM under PERCEO_ENCRYPTION_KEY, bound to the project and
-- the name), so the table, its backups and a pg_dump hold ciphertext only. No role but the service
-- role reads it: RLS is on with no policy, and anon and authenticated have no grant at all (not even
-- to see which names exist).
create table public.project_secrets (
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null check (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  ciphertext text not null check (ciphertext ~ '^perceo:v1:[0-9a-f]{16}:[A-Za-z0-9_-]+$'),
  -- The key version: the fingerprint of the key that sealed the value (also in the ciphertext).
  key_id text not null check (key_id ~ '^[0-9a-f]{16}$' and ciphertext like 'perceo:v1:' || key_id || ':%'),
  set_by text not null check (length(set_by) between 1 and 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  rotated_at timestamptz,
  primary key (project_id, name)
);
alter table public.project_secrets enable row level security;
create index project_secrets_key_id_idx on public.project_secrets (key_id);

-- Supabase grants new tables in public to anon and authenticated by default; take that back.
revoke all on public.project_secrets from public, anon, authenticated;
grant all on public.project_secrets to service_role;
