-- The tables .github/partitions-ci.yml describes, as the `action` job of ci.yml creates them in the
-- service container (psql -v ON_ERROR_STOP=1 -f .github/partitions-ci.sql).
create table public.ci_events (id bigint generated always as identity, happened_on date not null)
  partition by range (happened_on);
create table public.ci_events_y2025m01 partition of public.ci_events for values from ('2025-01-01') to ('2025-02-01');
create table public.ci_events_y2025m02 partition of public.ci_events for values from ('2025-02-01') to ('2025-03-01');
create table public.ci_events_y2025m03 partition of public.ci_events for values from ('2025-03-01') to ('2025-04-01');

create table public.kid_absences (kid_id bigint not null, date date not null, unique (kid_id, date))
  partition by range (date);
create table public.kid_absences_2025 partition of public.kid_absences for values from ('2025-01-01') to ('2026-01-01');
create table public.kid_absences_2026 partition of public.kid_absences for values from ('2026-01-01') to ('2027-01-01');
