-- Promotes a recorded run's screenshots to baselines in one transaction: each screenshot of a flow's
-- last attempt that passed, taken on a commit and a branch and stored as a picture, is approved the
-- way approve_screenshot approves one. Failure shots and shots never uploaded are left alone (a
-- baseline without a picture would hide the older one that has a picture). Returns the baselines
-- written; raises no_data_found when the project has no run with that key.
create function public.approve_run_screenshots(
  p_project_id uuid, p_run_key text, p_reviewed_by text default null
) returns integer
language plpgsql set search_path = ''
as $$
declare
  v_shot uuid;
  v_count integer := 0;
begin
  if not exists (
    select 1 from public.test_runs r where r.project_id = p_project_id and r.run_key = p_run_key
  ) then
    raise exception 'test run % not found', p_run_key using errcode = 'no_data_found';
  end if;
  for v_shot in
    select s.id
    from public.test_runs r
    join public.flow_runs f on f.test_run_id = r.id
    join public.flow_run_attempts a on a.flow_run_id = f.id
    join public.screenshots s on s.attempt_id = a.id
    where r.project_id = p_project_id and r.run_key = p_run_key
      and a.status = 'passed'
      and a.attempt = (select max(last.attempt) from public.flow_run_attempts last where last.flow_run_id = f.id)
      and s.step_name <> 'failure'
      and s.storage_path is not null and s.commit_sha is not null and s.branch is not null
    order by f.position, s.position
  loop
    if public.approve_screenshot(v_shot, p_reviewed_by) is not null then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end
$$;
revoke all on function public.approve_run_screenshots(uuid, text, text) from public, anon, authenticated;
grant execute on function public.approve_run_screenshots(uuid, text, text) to service_role;
