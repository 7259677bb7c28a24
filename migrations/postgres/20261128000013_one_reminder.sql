-- One reminder per booking, whatever the number of processes writing reminders at once.
create unique index notifications_one_reminder on notifications (booking_id)
    where kind = 'reminder';
