-- Operators on duty at an office (people who can run a recording set). The WFO
-- percentage of a level limits operators, not sets (DOMAIN.md, capacity): the sets in use
-- are the operators present, at most the sets there are. Null: one per set.
alter table offices add column operators bigint;
