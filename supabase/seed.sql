-- A small demo project for `supabase start` / `supabase db reset` and for local development: the
-- example shop with one member, its flows, two runs (one flaky), a deploy with a detected change,
-- predictions for a pull request and a few analytics events. Safe to run more than once.

insert into auth.users (id, email)
values ('00000000-0000-4000-8000-000000000001', 'demo@perceo.dev')
on conflict (id) do nothing;

insert into public.projects (id, full_name, installation_id, repository_id, default_branch)
values ('00000000-0000-4000-8000-0000000000aa', 'perceo/shop-demo', 1, 1, 'main')
on conflict (full_name) do nothing;

insert into public.project_members (project_id, user_id, role)
values ('00000000-0000-4000-8000-0000000000aa', '00000000-0000-4000-8000-000000000001', 'owner')
on conflict do nothing;

insert into public.personas (project_id, name, description, attributes)
values ('00000000-0000-4000-8000-0000000000aa', 'shopper', 'A returning customer with a saved card',
  '{"email": "shopper@example.com"}')
on conflict (project_id, name) do nothing;

insert into public.flows (project_id, name, file, priority, synced_sha)
values
  ('00000000-0000-4000-8000-0000000000aa', 'checkout', '.perceo/flows/checkout.yml', 'critical', 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0'),
  ('00000000-0000-4000-8000-0000000000aa', 'signup', '.perceo/flows/signup.yml', 'high', 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0'),
  ('00000000-0000-4000-8000-0000000000aa', 'search', '.perceo/flows/search.yml', 'medium', 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0')
on conflict (project_id, name) do nothing;

select public.record_test_run(
  '00000000-0000-4000-8000-0000000000aa',
  '{
    "id": "demo-run-1", "project": "perceo/shop-demo", "baseUrl": "http://localhost:3000",
    "startedAt": "2025-03-01T10:00:00.000Z", "finishedAt": "2025-03-01T10:00:12.000Z", "durationMs": 12000,
    "status": "passed",
    "browser": {"name": "chromium", "version": "131.0.6778.33", "executablePath": "/usr/bin/chromium"},
    "totals": {"passed": 2, "failed": 0, "flaky": 1, "skipped": 0},
    "flows": [
      {"name": "checkout", "file": ".perceo/flows/checkout.yml", "priority": "critical", "status": "passed",
       "durationMs": 5200, "attempts": [
        {"attempt": 1, "status": "passed", "durationMs": 5200, "screenshots": [
          {"name": "cart", "path": "checkout/cart.png", "viewport": {"width": 1280, "height": 720}, "stepIndex": 2}],
         "steps": [
          {"index": 0, "title": "Open the shop", "action": "goto", "status": "passed", "durationMs": 900,
           "location": {"file": ".perceo/flows/checkout.yml", "line": 4, "col": 5}},
          {"index": 1, "title": "Add the mug to the cart", "action": "click", "status": "passed", "durationMs": 300,
           "location": {"file": ".perceo/flows/checkout.yml", "line": 5, "col": 5}},
          {"index": 2, "title": "Cart", "action": "screenshot", "status": "passed", "durationMs": 4000,
           "location": {"file": ".perceo/flows/checkout.yml", "line": 6, "col": 5}}]}]},
      {"name": "signup", "file": ".perceo/flows/signup.yml", "priority": "high", "status": "flaky",
       "durationMs": 4300, "attempts": [
        {"attempt": 1, "status": "failed", "durationMs": 2100, "screenshots": [], "trace": "signup/trace-1.zip",
         "error": {"message": "Timed out waiting for the welcome banner"},
         "steps": [
          {"index": 0, "title": "Open sign up", "action": "goto", "status": "passed", "durationMs": 800,
           "location": {"file": ".perceo/flows/signup.yml", "line": 4, "col": 5}},
          {"index": 1, "title": "See the welcome banner", "action": "expect", "status": "failed", "durationMs": 1300,
           "error": {"message": "Timed out waiting for the welcome banner"},
           "location": {"file": ".perceo/flows/signup.yml", "line": 8, "col": 5}}]},
        {"attempt": 2, "status": "passed", "durationMs": 2200, "screenshots": [],
         "steps": [
          {"index": 0, "title": "Open sign up", "action": "goto", "status": "passed", "durationMs": 700,
           "location": {"file": ".perceo/flows/signup.yml", "line": 4, "col": 5}},
          {"index": 1, "title": "See the welcome banner", "action": "expect", "status": "passed", "durationMs": 1500,
           "location": {"file": ".perceo/flows/signup.yml", "line": 8, "col": 5}}]}]},
      {"name": "search", "file": ".perceo/flows/search.yml", "priority": "medium", "status": "passed",
       "durationMs": 2500, "attempts": [
        {"attempt": 1, "status": "passed", "durationMs": 2500, "screenshots": [],
         "steps": [
          {"index": 0, "title": "Search for mug", "action": "fill", "status": "passed", "durationMs": 2500,
           "location": {"file": ".perceo/flows/search.yml", "line": 4, "col": 5}}]}]}
    ]
  }'::jsonb,
  '{"source": "ci", "commitSha": "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0", "branch": "main", "ciRunId": 1001, "ciRunAttempt": 1}'::jsonb
);

select public.approve_screenshot(s.id, 'demo')
from public.screenshots s
where s.project_id = '00000000-0000-4000-8000-0000000000aa' and s.approval = 'pending';

insert into public.predictions (project_id, pr_number, head_sha, flow_name, probability, confidence, reasoning, source)
values
  ('00000000-0000-4000-8000-0000000000aa', 7, 'b1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0', 'checkout', 0.92, 0.8,
   'src/cart/total.ts changed and checkout reaches /cart', 'rules'),
  ('00000000-0000-4000-8000-0000000000aa', 7, 'b1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0', 'search', 0.1, 0.6,
   'no file on the search route changed', 'rules')
on conflict (project_id, head_sha, flow_name) do nothing;

insert into public.pages (id, project_id, url, name)
values ('00000000-0000-4000-8000-0000000000bb', '00000000-0000-4000-8000-0000000000aa',
  'http://localhost:3000/cart', 'Cart')
on conflict (project_id, url) do nothing;

insert into public.deploys (id, project_id, sha, environment, url)
values ('00000000-0000-4000-8000-0000000000cc', '00000000-0000-4000-8000-0000000000aa',
  'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0', 'production', 'http://localhost:3000')
on conflict (project_id, sha) do nothing;

insert into public.detected_changes (project_id, page_id, deploy_id, element, kind, before, after, first_detected_date)
values ('00000000-0000-4000-8000-0000000000aa', '00000000-0000-4000-8000-0000000000bb',
  '00000000-0000-4000-8000-0000000000cc', 'button#checkout', 'text', 'Checkout', 'Buy now', '2025-03-01')
on conflict (page_id, element, first_detected_date) do nothing;

insert into public.analytics_events (project_id, source, event_id, event_name, distinct_id, occurred_at, properties)
select '00000000-0000-4000-8000-0000000000aa', 'posthog', 'demo-' || n,
  case when n % 3 = 0 then 'checkout_completed' else '$pageview' end, 'visitor-' || (n % 5),
  date_trunc('day', now()) - make_interval(hours => n), jsonb_build_object('path', '/cart')
from generate_series(1, 30) as n
on conflict do nothing;
