-- Years loaded before holidays had a kind were all stored as national holidays; a day the
-- decree names "Cuti bersama …" is joint leave, as a file without a kind is read today.
update holidays set kind = 'joint_leave'
    where kind = 'national' and lower(name) like 'cuti bersama%';

-- Independence Day by its name in the decrees.
update holidays set name = 'Hari Proklamasi Kemerdekaan Republik Indonesia'
    where name = 'Proklamasi Kemerdekaan';
update holidays set name = 'Cuti bersama Hari Proklamasi Kemerdekaan Republik Indonesia'
    where name = 'Cuti bersama Hari Kemerdekaan RI';
