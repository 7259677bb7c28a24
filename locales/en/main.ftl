# rekam: texts in English. Keys are grouped by the page or part that uses them;
# every key exists in both languages and is used (a test checks both).

## err
err-not-found = Not found.
err-internal = Something went wrong on our side. Please try again.
err-slot-full = This time slot is full. Please choose another.
err-day-full = This day is fully booked. Please choose another day.
err-active-booking-exists = This NIK already has an active booking. Change or cancel that one first.
err-conflict = This booking was just changed elsewhere. Reload and try again.
err-duplicate = Already exists.
err-too-many-replacements = The certificate of this booking has been replaced too often today. Try again tomorrow.
err-idempotency-key-reused = This Idempotency-Key was used for another request. Use a new key for a new request.
err-office-unknown = Unknown office.
err-slot-unknown = This is not a time slot of this office.
err-slot-past = This time slot has already started.
err-slot-beyond-horizon = This date is not open for booking yet.
err-certificate-kind = Choose a certificate type this office accepts.
err-required = Required.
err-datetime = Give a date and time, e.g. 2026-12-01T08:00.
err-too-large = The file is too large: at most 5 MB.
err-certificate-missing = Upload the health certificate or test result (PDF, JPG or PNG).
err-certificate-empty = The file is empty.
err-certificate-type = The file must be a PDF, JPG or PNG.
err-certificate-damaged = The file is damaged or incomplete. Please upload it again.
err-certificate-active = This file carries a script or a web page, not just a certificate. Upload a scan or a photo of the certificate.
err-issued-in-future = The certificate cannot be issued in the future.
err-certificate-expired = This certificate is no longer valid at the appointment time. Choose an earlier slot or get a new certificate.
err-certificate-expired-for-new-slot = Your certificate is not valid at the new time. Replace it first or choose an earlier slot.
err-nik-shape = A NIK has 16 digits.
err-nik-region = The region code in the NIK is not valid.
err-nik-date = The birth date inside the NIK is not valid.
err-nik-serial = The serial number in the NIK is not valid.
err-nik-birth-mismatch = The NIK does not match the birth date (women have 40 added to the day).
err-name = Give your full name (1–100 characters).
err-birth-date = Give a valid birth date.
err-too-young = Not old enough on that date. If married (or ever married), tick the box below.
err-too-young-for-slot = You are not old enough for recording on that date. Choose a later date.
err-phone = Give an Indonesian mobile number, e.g. 0812 3456 7890.
err-email = Not a valid e-mail address.
err-consent = Consent is needed to process your health data.
err-guardian-consent = Under 18, a parent or guardian must agree: tick this box.
err-not-changeable = This booking can no longer be changed.
err-unauthorized = A staff login is required.
err-forbidden = Your role may not do this.
err-json = The request body is not valid JSON.
err-multipart = Send the form as multipart/form-data.
err-range = Invalid date range (at most 62 days).
err-date = Dates are YYYY-MM-DD.
err-find = No booking matches that code, NIK and birth date.
err-slug = An office slug has lowercase letters, digits and dashes.
err-text = The field contains characters that are not allowed.
err-closed = The office is closed that day. Please choose another day.
err-plan-changed = The office's capacity has just changed. Please choose a time again.
err-preview-first = This change was not previewed, or the plan changed since the preview. Preview it again before applying.
err-holiday-type = Send the file as text/csv or text/calendar.
err-holiday-file = The holiday file could not be read; nothing was changed.
err-wait-range = Choose a date range from today up to the booking horizon.
err-rate-limited = Too many attempts. Please wait a moment and try again.
err-fix-below = Please check the following:
err-reupload = For safety the file was not kept: choose the certificate file again.
err-holiday-file-because = The holiday file could not be read; nothing was changed. ({ $problem })
err-other-office = This booking belongs to another office; open it at the office where it was made.
err-visit-other-day = This booking is for another day, not today.
err-already-checked-in = Already checked in; the queue number stays.
err-visit-cancelled = This booking was cancelled.
err-visit-ended = This visit has already been recorded as ended.
err-temperature = Enter the body temperature in °C, e.g. 36.6 (30–45).
err-retest-required = Above the limit: let the applicant rest about 5 minutes, then measure again and record the second reading.
err-certificate-rejected-at-desk = This booking's health certificate was rejected; a new one is needed before check-in.
err-certificate-expired-at-desk = The health certificate is no longer valid today; a new one is needed before check-in.
err-outcome = Choose an outcome: recorded, no-show or turned away.
err-reason-required = Give the reason.
err-reason-too-long = A reason is at most 500 characters.
err-outcome-not-now = This outcome cannot be recorded now: recorded only after check-in, no-show only before it.
err-decision = Choose accepted or rejected.
err-review-not-now = The certificate of an ended booking is not reviewed any more.
err-walk-in-temperature = Above the temperature limit: the applicant cannot be registered now.
err-walk-in-closed = The office is not open today.
err-walk-in-full = Today is full: there is no room for a walk-in.
err-report-range = Invalid date range (at most 366 days, to not before from).
err-number = Enter a number.
err-too-long = Too long.

## staff
staff-login = Staff login
staff-login-failed = Wrong username or password.
staff-username = Username
staff-password = Password
staff-logout = Log out
staff-offices = Offices
staff-plan = Capacity plan
staff-chart-title = Capacity and seats held over the next 30 days; colour band = PPKM level, cross = closed
staff-cap = cap
staff-booked = booked
staff-level-band = PPKM level
staff-backlog = Backlog
staff-needs-rebooking = Needs a new time
staff-days-to-clear = Open days needed to seat the backlog, per level
staff-level = Level
staff-open-days = Open days
staff-over-a-year = more than a year
staff-set-level = Set the PPKM level
staff-from = From
staff-to = Until (leave empty if open-ended)
staff-instruction = Basis (Inmendagri number)
staff-preview = Preview the effect
staff-close-day = Close the office on a date
staff-date = Date
staff-closure-reason = Reason (e.g. disinfection)
staff-days = Day by day
staff-note = Note
staff-no-hours = no opening hours
staff-applied = Change applied. Affected applicants were moved or asked to choose a new time; their booking pages say why. (No SMS or WhatsApp message is sent automatically yet.)
staff-preview-title = Preview of the change
staff-rules-admin-only = Level rules and holidays apply to every office: only admins change them.
staff-every-office = every office
staff-displaced = Bookings affected
staff-moved = moved
staff-marked = to rebook
staff-days-changed = Days that change
staff-cap-before = Cap before
staff-cap-after = Cap after
staff-displaced-list = Bookings that no longer fit (most recently booked first)
staff-nobody-displaced = Nobody is displaced.
staff-from-slot = Old time
staff-to-slot = New time
staff-apply = Apply the change
staff-back = Back without changing anything
staff-waiting = waiting
staff-rules = Level rules and holidays
staff-rules-link = PPKM level rules and holidays
staff-rule-saved = Rule saved; the old version is kept.
staff-holidays-loaded = Holiday list loaded.
staff-wfo = WFO %
staff-occupancy = Occupancy %
staff-max-visitors = Max visitors/day
staff-latest-close = Latest closing
staff-source = Legal source
staff-reason = Reason for the change
staff-history = Change history
staff-version = Version
staff-when = When
staff-changed-by = By
staff-load-holidays = Load a holiday list (CSV or iCalendar)
staff-year = Year
staff-file = File
staff-holiday-help = CSV: one line per day, YYYY-MM-DD,name[,kind] with kind "libur nasional" (national holiday) or "cuti bersama" (joint leave); without a kind, a name starting "Cuti bersama" is joint leave. The year's list is replaced whole; a bad file changes nothing.
staff-closed-mark = closed
staff-holidays-in-file = Holidays in this file
staff-holidays = Holidays
staff-holiday-name = Name
staff-holiday-kind = Kind
staff-no-holidays = No holiday list for this year yet.
holiday-national = National holiday
holiday-joint-leave = Joint leave (cuti bersama)
staff-chart-day = { $date }: { $booked } booked / { $cap } cap, { $waiting } waiting
staff-limit-waiting-room = limited by: waiting-room seats ({ $percent } %: { $seats } seats)
staff-limit-throughput = limited by: recording equipment ({ $percent } % WFO: { $sets } sets)
staff-level-title = { $level } · From { $from }{ $to }
staff-close-title = Close the office on a date { $date }
staff-rule-invalid-field = Rule not saved, check the field: { $field }
staff-line-problem = line { $line }: { $problem }

## offer
offer-claim = Take this seat
offer-claimed = The seat is now your appointment.
offer-text = A seat is held for you: { $slot }. Claim it before { $until }.

## wait
wait-title = Waiting list
wait-explain = No time that suits you? Join the waiting list: when a seat frees up in your date range it is held for you and shown on your booking page. Open your booking link to check (no message is sent yet).
wait-join = Join the waiting list
wait-from = From
wait-to = Until
wait-joined = You are on the waiting list.
wait-position-text = You are waiting for a free seat. Your place in the queue: { $n }

## status
status-waitlisted = On the waiting list
status-confirmed = Confirmed
status-needs-rebooking = Needs a new time
status-cancelled = Cancelled
status-checked-in = Checked in
status-recorded = Recorded
status-no-show = Did not come
status-turned-away = Turned away

## change
change-offer-expired = The seat offered was not taken in time and went to the next person. You are back in the queue.
change-moved-text = The office moved your appointment: { $from } → { $to }. Reason: { $reason }
change-needs-rebooking-text = The office's capacity dropped and your time was withdrawn. Please choose a new time ({ $from }). Reason: { $reason }

## nav
nav-skip = Skip to content
nav-home = Home
staff-title = staff
staff-nav = Staff menu
nav-find = Find my booking
nav-switch = Bahasa Indonesia

## site
site-tagline = First-time e-KTP recording appointments
site-footer = Your data is used only for the recording appointment and seen only by Disdukcapil staff.

## home
home-title = Book your e-KTP recording
home-intro = For first-time e-KTP applicants: { $n } years old on the day of recording, or married (now or before). Have your NIK, birth date, mobile number and a photo or PDF of your health certificate or test result ready.
home-choose = Choose an office
home-none = No office is taking bookings yet.
home-lost = Already booked?

## office
office-title = Choose a day and time
office-certificates = Certificates accepted, counted from the sample or issue time to the time of recording:
office-full = full
office-closed = Closed
office-no-slots = No times left
office-none-open = No days can be booked right now.
office-binding-throughput = limited by: recording equipment
office-binding-waiting-room = limited by: waiting-room seats
office-binding-level-maximum = limited by: the PPKM level's daily maximum
office-binding-daily-maximum = limited by: daily quota
office-left-of = left { $left } of { $cap }
office-slot-left = left { $n }
office-closed-because = Closed: { $reason }

## book
book-title = Applicant details
book-slot = Chosen time
book-change-slot = Change time
book-alternatives = That time has just filled up. What you typed is kept: choose the nearest free time, choose your certificate file again, and send.
book-name = Full name (as on the family card)
book-nik = NIK (16 digits, see the family card)
book-birth-date = Date of birth
book-married = I am or have been married (may record before turning { $n })
book-phone = Mobile number (WhatsApp/SMS)
book-email = E-mail (optional)
book-certificate-kind = Certificate type
book-certificate-issued-at = Time of issue / sample
book-certificate = Certificate file (PDF, JPG or PNG, max 5 MB)
book-consent = I agree that my health data is processed for this appointment and seen only by staff (UU 27/2022).
book-guardian = I am under 18 on the day of recording, and my parent or guardian agrees to this booking (UU 27/2022 art. 25).
book-submit = Book this time
book-kind-label = { $name } (valid for { $hours } hours)
book-kind-label-days = { $name } (valid for { $days } days)

## kind
kind-antigen = Antigen test result
kind-pcr = PCR test result
kind-surat-sehat = Health certificate (clinic/doctor)

## booking
booking-title = Your recording appointment
booking-code = Booking code
booking-show-qr = Show this QR code or the booking code at the counter.
booking-when = When
booking-where = Where
booking-name = Name
booking-bring = What to bring
booking-bring-kk = Family card (Kartu Keluarga, original)
booking-bring-certificate = The original health certificate or test result
booking-bring-mask = A mask, worn inside the office
booking-bring-marriage = Marriage certificate, if married
booking-bring-self = Come in person: recording cannot be done by proxy. Entry is refused above 37.3 °C.
booking-certificate = Health certificate
booking-valid-until = valid until
booking-calendar = Add to calendar
booking-reschedule = Reschedule
booking-cancel = Cancel booking
booking-replace = Replace the certificate
booking-replace-submit = Upload new certificate
booking-keep-link = Keep this page (bookmark it) to change or cancel the booking.
booking-created = Your booking is confirmed.
booking-rescheduled = Your booking was moved.
booking-cancelled-now = Booking cancelled. Your seat is free for someone else.
booking-replaced = New certificate received and awaiting review.

## cert
cert-submitted = awaiting review
cert-accepted = accepted
cert-rejected = rejected

## cancel
cancel-title = Cancel this booking?
cancel-explain = Your seat goes to someone else at once. You can book again at any time.
cancel-confirm = Yes, cancel
cancel-back = Keep my booking

## reschedule
reschedule-title = Choose a new time
reschedule-explain = Your current time stays yours until the new one is taken.
reschedule-back = Back to my booking
reschedule-yours = your current time
reschedule-not-covered = your certificate no longer covers it

## find
find-title = Find my booking
find-explain = Enter the booking code, NIK and birth date. Your old link is replaced by a new one.
find-code = Booking code (8 characters)
find-submit = Find
find-lost-link = Lost the link to your booking? Find it with its code, NIK and birth date.

## error
error-title = Something is wrong
error-back = Back to the home page

## ppkm
ppkm-none = No PPKM
ppkm-n = Level { $n }
ppkm-darurat = Emergency PPKM (darurat)
holiday-err-fields = write date,name or date,name,kind (put a name with a comma in double quotes)
holiday-err-date = "{ $value }" is not a date YYYY-MM-DD
holiday-err-year = { $date } is not in the year being loaded
holiday-err-twice = { $date } is listed twice
holiday-err-name = a holiday needs a name of 1–200 characters
holiday-err-kind = unknown kind "{ $value }": write "libur nasional" (national holiday) or "cuti bersama" (joint leave)
holiday-err-all-day = "{ $name }" is not an all-day event
holiday-err-too-long = "{ $name }" lasts more than a month
holiday-err-ical = not an iCalendar file
holiday-err-empty = the file lists no holidays
holiday-err-too-many = more than 100 days in a year is not a holiday list
