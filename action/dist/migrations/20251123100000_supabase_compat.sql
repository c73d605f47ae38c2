-- What Supabase provides before any migration runs: the API roles, auth.uid()/auth.jwt(), a minimal
-- auth.users and the storage tables. On Supabase every object below already exists and this
-- migration changes nothing; on a plain PostgreSQL or PGlite it creates the missing pieces, so the
-- migrations after it apply unchanged everywhere.

do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    -- Supabase's service role bypasses RLS; that is what "writes by the service role" relies on.
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

-- Grants only on what this migration creates: on Supabase these schemas belong to other roles.
do $$
begin
  if not exists (select from pg_namespace where nspname = 'auth') then
    create schema auth;
    grant usage on schema auth to anon, authenticated, service_role;
    grant usage on schema public to anon, authenticated, service_role;
  end if;
  if not exists (select from pg_namespace where nspname = 'storage') then
    create schema storage;
    grant usage on schema storage to anon, authenticated, service_role;
  end if;
  if to_regclass('auth.users') is null then
    create table auth.users (
      id uuid primary key,
      email text,
      raw_user_meta_data jsonb,
      created_at timestamptz default now(),
      updated_at timestamptz default now()
    );
  end if;
end
$$;

-- auth.uid() and friends read the JWT claims PostgREST puts in request.jwt.claims (and the older
-- per-claim request.jwt.claim.sub), exactly as Supabase's own definitions do.
do $$
begin
  if to_regprocedure('auth.uid()') is null then
    execute $fn$
      create function auth.uid() returns uuid language sql stable as $body$
        select coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
      $body$
    $fn$;
  end if;
  if to_regprocedure('auth.role()') is null then
    execute $fn$
      create function auth.role() returns text language sql stable as $body$
        select coalesce(
          nullif(current_setting('request.jwt.claim.role', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
        )::text
      $body$
    $fn$;
  end if;
  if to_regprocedure('auth.jwt()') is null then
    execute $fn$
      create function auth.jwt() returns jsonb language sql stable as $body$
        select coalesce(
          nullif(current_setting('request.jwt.claim', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')
        )::jsonb
      $body$
    $fn$;
  end if;
end
$$;

do $$
begin
  if to_regclass('storage.buckets') is null then
    create table storage.buckets (
      id text primary key,
      name text not null unique,
      owner uuid,
      public boolean default false,
      file_size_limit bigint,
      allowed_mime_types text[],
      created_at timestamptz default now(),
      updated_at timestamptz default now()
    );
    grant all on storage.buckets to service_role;
    grant select on storage.buckets to anon, authenticated;
  end if;
  if to_regclass('storage.objects') is null then
    create table storage.objects (
      id uuid primary key default gen_random_uuid(),
      bucket_id text references storage.buckets (id),
      name text,
      owner uuid,
      metadata jsonb,
      created_at timestamptz default now(),
      updated_at timestamptz default now(),
      last_accessed_at timestamptz default now(),
      unique (bucket_id, name)
    );
    alter table storage.objects enable row level security;
    grant all on storage.objects to service_role;
    grant select on storage.objects to anon, authenticated;
  end if;
  if to_regprocedure('storage.foldername(text)') is null then
    execute $fn$
      create function storage.foldername(name text) returns text[] language plpgsql immutable as $body$
      declare
        _parts text[];
      begin
        select string_to_array(name, '/') into _parts;
        return _parts[1:array_length(_parts, 1) - 1];
      end
      $body$
    $fn$;
  end if;
end
$$;
