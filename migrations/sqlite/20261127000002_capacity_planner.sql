-- Capacity planner (issue 3): level rules as versioned data, a level schedule per
-- office, public holidays, office closures/openings, notification records, and a plan
-- version per office that every capacity-affecting change bumps in its transaction.

-- Bookings check the version they planned with inside their own transaction, so a seat
-- is never taken against a capacity that a concurrent re-plan has just lowered.
alter table offices add column plan_version bigint not null default 1;

-- Every edit adds a row with the next version; the highest version of a level is in force.
create table level_rules (
    id integer primary key,
    level text not null check (level in ('none', '1', '2', '3', '4', 'darurat')),
    version bigint not null,
    wfo_percent bigint not null check (wfo_percent between 1 and 100),
    occupancy_percent bigint not null check (occupancy_percent between 1 and 100),
    max_visitors bigint,
    latest_close text,
    source text not null,
    changed_by text not null,
    changed_at bigint not null,
    reason text not null,
    unique (level, version)
);
insert into level_rules (level, version, wfo_percent, occupancy_percent, max_visitors,
    latest_close, source, changed_by, changed_at, reason) values
    ('none', 1, 100, 100, null, null, 'no restriction in force', 'seed', 0, 'DOMAIN.md seed rule set'),
    ('1', 1, 100, 75, null, null, 'SE MenPAN-RB 24/2021', 'seed', 0, 'DOMAIN.md seed rule set'),
    ('2', 1, 75, 50, null, null, 'SE MenPAN-RB 24/2021', 'seed', 0, 'DOMAIN.md seed rule set'),
    ('3', 1, 25, 25, null, null, 'Inmendagri 22/2021 (public service WFO 25 %)', 'seed', 0, 'DOMAIN.md seed rule set'),
    ('4', 1, 25, 25, null, null, 'Inmendagri 22/2021', 'seed', 0, 'DOMAIN.md seed rule set'),
    ('darurat', 1, 25, 25, null, '13:00', 'Inmendagri 15/2021; Serang UPT served 07:30–13:00 (no separate public-service rule found: uncertain)', 'seed', 0, 'DOMAIN.md seed rule set');

-- A level over a date range; where ranges overlap the later row wins.
create table office_levels (
    id integer primary key,
    office_id bigint not null references offices (id),
    level text not null check (level in ('none', '1', '2', '3', '4', 'darurat')),
    effective_from text not null,
    effective_to text,
    reason text not null,
    set_by text not null,
    set_at bigint not null
);
create index office_levels_office on office_levels (office_id);

-- Public holidays and joint leave days (cuti bersama): data, loadable per year.
create table holidays (
    day text primary key,
    name text not null,
    year bigint not null
);
insert into holidays (day, name, year) values
    ('2025-01-01', 'Libur nasional / cuti bersama', 2025),
    ('2025-01-27', 'Libur nasional / cuti bersama', 2025),
    ('2025-01-28', 'Libur nasional / cuti bersama', 2025),
    ('2025-01-29', 'Libur nasional / cuti bersama', 2025),
    ('2025-03-28', 'Libur nasional / cuti bersama', 2025),
    ('2025-03-29', 'Libur nasional / cuti bersama', 2025),
    ('2025-03-31', 'Libur nasional / cuti bersama', 2025),
    ('2025-04-01', 'Libur nasional / cuti bersama', 2025),
    ('2025-04-02', 'Libur nasional / cuti bersama', 2025),
    ('2025-04-03', 'Libur nasional / cuti bersama', 2025),
    ('2025-04-04', 'Libur nasional / cuti bersama', 2025),
    ('2025-04-07', 'Libur nasional / cuti bersama', 2025),
    ('2025-04-18', 'Libur nasional / cuti bersama', 2025),
    ('2025-04-20', 'Libur nasional / cuti bersama', 2025),
    ('2025-05-01', 'Libur nasional / cuti bersama', 2025),
    ('2025-05-12', 'Libur nasional / cuti bersama', 2025),
    ('2025-05-13', 'Libur nasional / cuti bersama', 2025),
    ('2025-05-29', 'Libur nasional / cuti bersama', 2025),
    ('2025-05-30', 'Libur nasional / cuti bersama', 2025),
    ('2025-06-01', 'Libur nasional / cuti bersama', 2025),
    ('2025-06-06', 'Libur nasional / cuti bersama', 2025),
    ('2025-06-09', 'Libur nasional / cuti bersama', 2025),
    ('2025-06-27', 'Libur nasional / cuti bersama', 2025),
    ('2025-08-17', 'Libur nasional / cuti bersama', 2025),
    ('2025-08-18', 'Libur nasional / cuti bersama', 2025),
    ('2025-09-05', 'Libur nasional / cuti bersama', 2025),
    ('2025-12-25', 'Libur nasional / cuti bersama', 2025),
    ('2025-12-26', 'Libur nasional / cuti bersama', 2025),
    ('2026-01-01', 'Libur nasional / cuti bersama', 2026),
    ('2026-01-16', 'Libur nasional / cuti bersama', 2026),
    ('2026-02-16', 'Libur nasional / cuti bersama', 2026),
    ('2026-02-17', 'Libur nasional / cuti bersama', 2026),
    ('2026-03-18', 'Libur nasional / cuti bersama', 2026),
    ('2026-03-19', 'Libur nasional / cuti bersama', 2026),
    ('2026-03-20', 'Libur nasional / cuti bersama', 2026),
    ('2026-03-21', 'Libur nasional / cuti bersama', 2026),
    ('2026-03-22', 'Libur nasional / cuti bersama', 2026),
    ('2026-03-23', 'Libur nasional / cuti bersama', 2026),
    ('2026-03-24', 'Libur nasional / cuti bersama', 2026),
    ('2026-04-03', 'Libur nasional / cuti bersama', 2026),
    ('2026-04-05', 'Libur nasional / cuti bersama', 2026),
    ('2026-05-01', 'Libur nasional / cuti bersama', 2026),
    ('2026-05-14', 'Libur nasional / cuti bersama', 2026),
    ('2026-05-15', 'Libur nasional / cuti bersama', 2026),
    ('2026-05-27', 'Libur nasional / cuti bersama', 2026),
    ('2026-05-28', 'Libur nasional / cuti bersama', 2026),
    ('2026-05-31', 'Libur nasional / cuti bersama', 2026),
    ('2026-06-01', 'Libur nasional / cuti bersama', 2026),
    ('2026-06-16', 'Libur nasional / cuti bersama', 2026),
    ('2026-08-17', 'Libur nasional / cuti bersama', 2026),
    ('2026-08-25', 'Libur nasional / cuti bersama', 2026),
    ('2026-12-24', 'Libur nasional / cuti bersama', 2026),
    ('2026-12-25', 'Libur nasional / cuti bersama', 2026);

-- An office's own word on a date: closed (with the reason) or open on a holiday.
create table office_days (
    office_id bigint not null references offices (id),
    day text not null,
    closed bigint not null check (closed in (0, 1)),
    reason text not null,
    set_by text not null,
    set_at bigint not null,
    primary key (office_id, day)
);

-- Messages to applicants, written in the transaction that changed their booking; a later
-- issue delivers them (SMS/WhatsApp/e-mail). The manage page shows the latest.
create table notifications (
    id integer primary key,
    booking_id bigint not null references bookings (id),
    kind text not null check (kind in ('moved', 'needs_rebooking', 'offered', 'offer_expired')),
    from_slot bigint not null,
    to_slot bigint,
    reason text not null,
    created_at bigint not null,
    sent_at bigint
);
create index notifications_booking on notifications (booking_id);
