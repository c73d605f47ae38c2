-- What a deploy diff compares: each capture of a page at one viewport (its screenshot in the
-- `screenshots` bucket and the DOM snapshot read beside it), and the page's stable baseline per viewport.

-- One screenshot of one page at one viewport, taken by an analysis; a retried analysis replaces it.
create table public.page_captures (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  page_id uuid not null,
  analysis_id uuid not null references public.analyses (id) on delete cascade,
  viewport text not null check (viewport in ('desktop', 'mobile')),
  commit_sha text not null check (commit_sha ~ '^[0-9a-f]{7,64}$'),
  -- Object paths in the `screenshots` bucket.
  screenshot_path text not null check (length(screenshot_path) between 1 and 1024),
  diff_path text check (length(diff_path) between 1 and 1024),
  width integer not null check (width > 0),
  height integer not null check (height > 0),
  dom_snapshot jsonb not null check (jsonb_typeof(dom_snapshot) = 'object'),
  -- False when no two screenshots in a row matched: usable, but a weaker baseline.
  stable boolean not null default true,
  captured_at timestamptz not null default now(),
  foreign key (page_id, project_id) references public.pages (id, project_id) on delete cascade,
  unique (analysis_id, viewport),
  unique (id, page_id, viewport)
);
alter table public.page_captures enable row level security;
create index page_captures_page_viewport_idx on public.page_captures (page_id, viewport, captured_at desc);

-- The capture a page's deploy diffs compare against, per viewport: set by scheduled scans, or by
-- the first capture when the page had no usable baseline.
create table public.page_baselines (
  project_id uuid not null,
  page_id uuid not null,
  viewport text not null check (viewport in ('desktop', 'mobile')),
  capture_id uuid not null,
  source text not null check (source in ('scheduled_scan', 'first_capture')),
  set_at timestamptz not null default now(),
  primary key (page_id, viewport),
  foreign key (page_id, project_id) references public.pages (id, project_id) on delete cascade,
  -- The capture must be of this page at this viewport.
  foreign key (capture_id, page_id, viewport) references public.page_captures (id, page_id, viewport)
    on delete cascade
);
alter table public.page_baselines enable row level security;
create index page_baselines_capture_idx on public.page_baselines (capture_id);

create policy "Members read their projects' page captures." on public.page_captures
  for select to authenticated using (project_id in (select private.member_project_ids()));
create policy "Members read their projects' page baselines." on public.page_baselines
  for select to authenticated using (project_id in (select private.member_project_ids()));

grant select on public.page_captures, public.page_baselines to authenticated;
grant all on public.page_captures, public.page_baselines to service_role;
revoke all on public.page_captures, public.page_baselines from anon;

-- Lists detected changes of a project newest first, filtered by page, status and date.
create index detected_changes_project_detected_idx on public.detected_changes (project_id, first_detected_at desc);
