"""The course file (course.toml): assignments, due dates, extensions, the late policy; deadlines."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.autograde import deadlines
from grader.autograde.lms import LmsFile
from grader.course_config import CourseConfig, CourseConfigError, LatePolicy, load, parse

NBS = ("01_normalizing_inputs", "02_batchnorm_forward", "06_softmax")
UTC = timezone.utc


def conf(**extra) -> CourseConfig:
    data = {"assignment": [{"name": "week1", "notebooks": list(NBS[:2]), "due": "2026-10-05T23:59:00+02:00"}],
            "late_penalty": {"policy": "percent", "percent": 10, "per": "day", "cap": 50},
            "extensions": {"aadams": {"week1": "48h"}}}
    data.update(extra)
    return parse(data, Path("course.toml"), NBS)


def test_assignments_due_dates_and_extensions():
    c = conf()
    assert c.assignment_of(NBS[1]) == "week1" and c.assignment_of("06_softmax") == "06_softmax"
    assert c.notebooks_of("week1") == NBS[:2]
    assert c.due("week1") == datetime(2026, 10, 5, 21, 59, tzinfo=UTC)
    assert c.due("week1", "aadams") == datetime(2026, 10, 7, 21, 59, tzinfo=UTC)
    assert c.extension("week1", "aadams") == timedelta(hours=48) and c.extension("week1", "bob") is None


@pytest.mark.parametrize("data, words", [
    ({"assignment": [{"name": "w", "notebooks": ["99_nope"]}]}, "not a notebook of this course"),
    ({"assignment": [{"name": "a", "notebooks": [NBS[0]]}, {"name": "b", "notebooks": [NBS[0]]}]}, "one assignment"),
    ({"assignment": [{"name": "w", "notebooks": [NBS[0]], "due": "tomorrow"}]}, "ISO 8601"),
    ({"assignment": [{"name": "w", "notebooks": [NBS[0]], "due": "2026-10-05T23:59:00"}]}, "no time zone"),
    ({"late_penalty": {"policy": "half"}}, "use one of none, zero, percent"),
    ({"late_penalty": {"policy": "percent"}}, "needs percent"),
    ({"late_penalty": {"policy": "percent", "percent": -5}}, "at least 0"),
    ({"extensions": {"bob": {"week9": "1d"}}}, "not an assignment"),
    ({"assignment": [{"name": "w", "notebooks": [NBS[0]]}], "extensions": {"bob": {"w": "soon"}}}, "neither a duration"),
    ({"deadline": 3}, "unknown section"),
    ({"timezone": "Mars/Olympus"}, "time zone name"),
])
def test_a_wrong_course_file_gets_a_clear_error(data, words):
    with pytest.raises(CourseConfigError, match=words):
        parse(data, Path("course.toml"), NBS)


def test_the_committed_course_file_loads_and_a_broken_one_is_named(tmp_path):
    assert load().late.policy in ("none", "zero", "percent")
    bad = tmp_path / "course.toml"
    bad.write_text("[[assignment]\n", encoding="utf-8")
    with pytest.raises(CourseConfigError, match="not valid TOML"):
        load(bad)
    with pytest.raises(CourseConfigError, match="does not exist"):
        load(tmp_path / "missing.toml")


@given(st.floats(0, 100), st.sampled_from(["hour", "day"]), st.floats(0, 100),
       st.timedeltas(timedelta(0), timedelta(days=30)))
@settings(max_examples=200, deadline=None)
def test_the_percent_policy_is_between_zero_and_the_cap_and_grows_with_lateness(percent, per, cap, late):
    p = LatePolicy("percent", percent, per, cap)
    f = p.fraction(late)
    assert 0 <= f <= min(cap, 100) / 100 + 1e-12
    assert p.fraction(late + timedelta(hours=25)) >= f
    assert LatePolicy("zero").fraction(late) == (1.0 if late > timedelta(0) else 0.0)
    assert LatePolicy().fraction(late) == 0.0


def test_percent_per_started_day_with_a_cap_and_grace():
    p = LatePolicy("percent", 10, "day", 25, timedelta(minutes=5))
    assert p.fraction(timedelta(minutes=4)) == 0
    assert p.fraction(timedelta(hours=1)) == pytest.approx(0.10)
    assert p.fraction(timedelta(hours=30)) == pytest.approx(0.20)
    assert p.fraction(timedelta(days=9)) == pytest.approx(0.25)


@given(st.floats(0, 1000, allow_nan=False), st.floats(0, 1))
def test_a_penalty_never_takes_more_than_was_earned(points, fraction):
    assert 0 <= deadlines.penalty(points, fraction) <= points


# --- the submission time: timestamp.txt, then LMS metadata, then LMS file names --------------

def test_timestamp_txt_comes_first(tmp_path):
    nb = tmp_path / "s1" / "week1" / "01_normalizing_inputs.ipynb"
    nb.parent.mkdir(parents=True)
    nb.write_text("{}")
    (nb.parent / "timestamp.txt").write_text("2026-10-06 09:30:00.000000 UTC")
    late_name = LmsFile("moodle", "Ada_7", "7", "Ada", "", late=True)
    s = deadlines.submitted(nb, late_name, {"7": datetime(2026, 1, 1, tzinfo=UTC)})
    assert s == deadlines.Submitted(datetime(2026, 10, 6, 9, 30, tzinfo=UTC), "timestamp.txt")
    (nb.parent / "timestamp.txt").write_text("not a time")
    s = deadlines.submitted(nb, late_name, {"7": datetime(2026, 1, 1, tzinfo=UTC)})
    assert s.source == "lms metadata" and s.time == datetime(2026, 1, 1, tzinfo=UTC)
    s = deadlines.submitted(nb, late_name, {})
    assert s == deadlines.Submitted(None, "lms file name", True)
    assert deadlines.submitted(nb, None, {}) == deadlines.Submitted()


def test_lateness_from_each_source_with_and_without_an_extension():
    c = conf()
    after = deadlines.Submitted(datetime(2026, 10, 7, 3, 59, tzinfo=UTC), "timestamp.txt")  # 30 h late
    bob = deadlines.lateness(c, "bob", "week1", after)
    assert bob.hours == "30.00" and bob.fraction == pytest.approx(0.2) and "20% late penalty" in bob.note
    ada = deadlines.lateness(c, "aadams", "week1", after)
    assert ada.late_by is None and ada.fraction == 0
    marked = deadlines.Submitted(None, "lms file name", True)
    assert deadlines.lateness(c, "bob", "week1", marked).hours == "?"
    assert deadlines.lateness(c, "bob", "week1", marked).fraction == pytest.approx(0.1)
    assert deadlines.lateness(c, "aadams", "week1", marked).fraction == 0
    assert deadlines.lateness(c, "bob", "06_softmax", after).fraction == 0  # no due date


def test_moodle_worksheet_times_are_read_in_the_course_time_zone():
    from grader.autograde.lms import moodle_submission_times

    text = ('Identifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed",'
            '"Last modified (submission)","Last modified (grade)","Feedback comments"\n'
            '"Participant 12","Ada Lovelace",ada@example.edu,Submitted,,10.00,Yes,"Tuesday, 6 October 2026, 1:15 AM",-,\n'
            '"Participant 13","Alan Turing",alan@example.edu,"No submission",,10.00,Yes,-,-,\n')
    times = moodle_submission_times(text, "Europe/Berlin")
    assert times == {"12": datetime(2026, 10, 5, 23, 15, tzinfo=UTC)}
