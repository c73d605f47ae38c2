-- Storage buckets for run artifacts. Objects live under `<project id>/…`, so a member of a project
-- reads its objects and nobody else's; uploads are done with the service role.

insert into storage.buckets (id, name, public) values
  ('screenshots', 'screenshots', false),
  ('traces', 'traces', false),
  ('reports', 'reports', false)
on conflict (id) do nothing;

create policy "Members read their projects' artifacts." on storage.objects
  for select to authenticated using (
    bucket_id in ('screenshots', 'traces', 'reports')
    and (storage.foldername(name))[1] in (select p::text from private.member_project_ids() p)
  );
