"""Seats and waitlist arithmetic of a program (pure Python, no ORM).

A program's limits are ``(seats, waitlist)``: ``seats`` the number of seats or None
(unlimited); ``waitlist`` the number of waitlist places, None (unlimited) or 0 (no
waitlist). ``counts`` is ``{(program id, prs_state): count}`` of real (non-test)
registrations, as ``event.registration._prs_count_by_state`` returns it.
"""


class CapacityFull(Exception):
    """No seat and no waitlist place left in the program ``program_id``."""

    def __init__(self, program_id):
        super().__init__(program_id)
        self.program_id = program_id


def capacity_left(limits, program_id, counts):
    """``(seats left, waitlist places left)``; None: unlimited."""
    seats, waitlist = limits
    seats_left = None if seats is None else seats - counts.get((program_id, "confirmed"), 0)
    if waitlist is None:
        return seats_left, None
    if not waitlist:
        return seats_left, 0
    return seats_left, waitlist - counts.get((program_id, "waitlisted"), 0)


def is_full(limits, program_id, counts):
    """True when neither a seat nor a waitlist place is left."""
    seats, waitlist = capacity_left(limits, program_id, counts)
    return seats is not None and seats <= 0 and waitlist is not None and waitlist <= 0


def _bump(counts, program_id, state, step=1):
    counts[(program_id, state)] = counts.get((program_id, state), 0) + step


def plan_confirm(registrations, limits, counts):
    """Split registrations to confirm into ``(to confirm, to waitlist)`` (lists of keys).

    ``registrations``: ``(key, program id, is test, prs_state)`` in confirmation order;
    ``limits``: ``{program id: (seats, waitlist)}``; ``counts`` is updated in place.
    A test registration is always confirmed; beyond the seats a registration goes to the
    waitlist (a waitlisted one stays there); raises :class:`CapacityFull` when neither
    is possible.
    """
    to_confirm, to_waitlist = [], []
    for key, program_id, is_test, state in registrations:
        if is_test:
            to_confirm.append(key)
            continue
        seats, waitlist = capacity_left(limits[program_id], program_id, counts)
        if seats is None or seats > 0:
            to_confirm.append(key)
            _bump(counts, program_id, "confirmed")
            if state == "waitlisted":
                _bump(counts, program_id, "waitlisted", -1)
        elif state == "waitlisted":
            continue  # stays on the waitlist
        elif waitlist is None or waitlist > 0:
            to_waitlist.append(key)
            _bump(counts, program_id, "waitlisted")
        else:
            raise CapacityFull(program_id)
    return to_confirm, to_waitlist


def check_waitlist(registrations, limits, counts):
    """Raise :class:`CapacityFull` when the real ones among ``registrations``
    (``(program id, is test)``) do not all fit on their program's waitlist."""
    for program_id, is_test in registrations:
        if is_test:
            continue
        __, waitlist = capacity_left(limits[program_id], program_id, counts)
        if waitlist is not None and waitlist <= 0:
            raise CapacityFull(program_id)
        _bump(counts, program_id, "waitlisted")
