-- Mixpanel joins PostHog and GA4 as a source of analytics events (`perceo analytics sync`). The
-- check sits on the partitioned parent, so every month's partition takes the new value too.

alter table public.analytics_events drop constraint analytics_events_source_check;
alter table public.analytics_events
  add constraint analytics_events_source_check check (source in ('posthog', 'ga4', 'mixpanel', 'custom'));
