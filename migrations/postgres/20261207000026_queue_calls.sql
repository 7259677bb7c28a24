-- The queue's calls: which number a desk (a recording set or counter) called, and when.
-- The waiting-room screen shows each desk's latest call. A number is called once (a recall
-- of the same number is a row of its own, marked), so two desks never call one person.
CREATE TABLE queue_calls (
    id BIGSERIAL PRIMARY KEY,
    office_id BIGINT NOT NULL REFERENCES offices(id),
    local_date TEXT NOT NULL,
    booking_id BIGINT NOT NULL REFERENCES bookings(id),
    desk BIGINT NOT NULL,
    recall BIGINT NOT NULL DEFAULT 0,
    called_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX queue_calls_once ON queue_calls (booking_id) WHERE recall = 0;
CREATE INDEX queue_calls_day ON queue_calls (office_id, local_date);
