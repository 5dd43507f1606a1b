"""LMS download names and layouts (Canvas, Moodle; folder, wrapper folder, zip) and LMS grade files."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.autograde.layout import discover
from grader.autograde.lms import ExportError, AssignmentGrade, canvas_file, canvas_import, moodle_name, moodle_worksheet
from grader.release import filled_student_notebook

NB01 = "01_normalizing_inputs"
names = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20)
ids = st.integers(1, 10**9).map(str)
files = st.sampled_from([f"{NB01}.ipynb", "my_notes_v2.ipynb", "02_batchnorm_forward.ipynb", "a.b_c.ipynb"])


@given(names, st.sampled_from(["", "_late", "_LATE"]), ids, ids, files, st.sampled_from(["", "-1", "-12"]))
@settings(max_examples=300)
def test_a_canvas_name_round_trips(name, late, uid, sub, file, resub):
    stem, ext = file.rsplit(".", 1)
    parsed = canvas_file(f"{name}{late}_{uid}_{sub}_{stem}{resub}.{ext}")
    assert parsed is not None
    assert (parsed.student_id, parsed.lms_id, parsed.file, parsed.late) == (f"{name}_{uid}", uid, file, bool(late))


@given(st.text(st.characters(blacklist_characters="/\\\0", blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
       .filter(lambda s: s.strip() and "_assignsubmission_" not in s), ids, st.sampled_from(["file", "onlinetext"]),
       st.sampled_from(["", f"{NB01}.ipynb"]))
@settings(max_examples=300)
def test_a_moodle_name_round_trips(full, pid, plugin, rest):
    parsed = moodle_name(f"{full}_{pid}_assignsubmission_{plugin}_{rest}")
    assert parsed is not None and parsed.file == rest
    assert parsed.student_id == f"{full}_{pid}" or parsed.student_id.endswith(f"_{pid}")
    assert parsed.lms_id.isdigit()


@given(st.text(max_size=40).filter(lambda s: "_" not in s))
def test_names_without_the_markers_are_not_lms_names(text):
    assert canvas_file(text) is None and moodle_name(text) is None


def _nb() -> str:
    return json.dumps(filled_student_notebook(NB01))


CANVAS = {"lovelaceada_1234_98765_01_normalizing_inputs.ipynb": "lovelaceada_1234",
          "turingalan_LATE_77_98766_01_normalizing_inputs-1.ipynb": "turingalan_77",
          "hopper_late_78_98767_01_normalizing_inputs.ipynb": "hopper_78"}


@pytest.mark.parametrize("wrapper", ["", "submissions/"])
@pytest.mark.parametrize("as_zip", [False, True])
def test_canvas_downloads_with_or_without_a_wrapper_folder_from_a_folder_or_a_zip(tmp_path, wrapper, as_zip):
    if as_zip:
        root = tmp_path / "canvas.zip"
        with zipfile.ZipFile(root, "w") as zf:
            for name in CANVAS:
                zf.writestr(f"{wrapper}{name}", _nb())
    else:
        root = tmp_path / "canvas"
        for name in CANVAS:
            (root / wrapper).mkdir(parents=True, exist_ok=True)
            (root / wrapper / name).write_text(_nb())
    found = discover(root)
    try:
        assert sorted(s.student_id for s in found.submissions) == sorted(CANVAS.values())
        late = {found.lms[s.rel].student_id: found.lms[s.rel].late for s in found.submissions}
        assert late == {"lovelaceada_1234": False, "turingalan_77": True, "hopper_78": True}
    finally:
        found.close()


@pytest.mark.parametrize("as_zip", [False, True])
def test_moodle_downloads_in_folders_or_flat(tmp_path, as_zip):
    members = {f"Ada Lovelace_1234_assignsubmission_file_/{NB01}.ipynb": "Ada Lovelace_1234",
               f"Alan Turing_77_assignsubmission_file_{NB01}.ipynb": "Alan Turing_77"}
    if as_zip:
        root = tmp_path / "moodle.zip"
        with zipfile.ZipFile(root, "w") as zf:
            for name in members:
                zf.writestr(name, _nb())
    else:
        root = tmp_path / "moodle"
        for name in members:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(_nb())
    found = discover(root)
    try:
        assert sorted(s.student_id for s in found.submissions) == sorted(members.values())
        assert sorted(found.lms[s.rel].lms_id for s in found.submissions) == ["1234", "77"]
    finally:
        found.close()


# --- grade files ----------------------------------------------------------------------------

def grades(**kw):
    g = {("lovelaceada_1234", "week1"): AssignmentGrade("lovelaceada_1234", "week1", 17.5, 19),
         ("aturing", "week1"): AssignmentGrade("aturing", "week1", 12, 19, pending=1),
         ("ghopper", "week1"): AssignmentGrade("ghopper", "week1", 19, 19)}
    g.update(kw)
    return g


ROSTER = ("Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (4711),Current Score,Final Score\n"
          "    Points Possible,,,,,19.00,(read only),(read only)\n"
          '"Lovelace, Ada",1234,S001,alovelace,Section A,,,\n'
          '"Turing, Alan",1235,S002,aturing,Section A,,,\n'
          '"Hopper, Grace",1236,S003,ghopper,Section A,,,\n'
          '"Noether, Emmy",1237,S004,enoether,Section A,,,\n'
          '"Student, Test",999,,,Section A,,,\n')


def test_canvas_import_matches_the_roster_by_lms_id_and_login_and_holds_back_pending():
    text, report = canvas_import(grades(), ROSTER, {"week1": "Week 1 (4711)"})
    lines = text.splitlines()
    assert lines[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (4711)"
    assert lines[1] == "    Points Possible,,,,,19.00"
    assert lines[2:6] == ['"Lovelace, Ada",1234,S001,alovelace,Section A,17.5', '"Turing, Alan",1235,S002,aturing,Section A,',
                          '"Hopper, Grace",1236,S003,ghopper,Section A,19', '"Noether, Emmy",1237,S004,enoether,Section A,']
    assert report.written == 2 and "not graded yet" in report.held_back[0] and report.without_grade[0].startswith("Noether")
    flagged, report = canvas_import(grades(), ROSTER, {"week1": "Week 1 (4711)"}, include_pending=True)
    assert '"Turing, Alan",1235,S002,aturing,Section A,12' in flagged and "exported without" in report.held_back[0]


def test_canvas_points_possible_and_missing_columns_are_checked():
    with pytest.raises(ExportError, match="has no column for assignment 'week1'"):
        canvas_import(grades(), ROSTER)
    with pytest.raises(ExportError, match="19 points, Canvas's 'Week 1 \\(4711\\)' has 20 points possible"):
        canvas_import(grades(), ROSTER.replace(",19.00,", ",20.00,"), {"week1": "Week 1 (4711)"})
    with pytest.raises(ExportError, match="not a Canvas gradebook export"):
        canvas_import(grades(), "Name,Grade\n", {})


def test_moodle_worksheet_gets_its_grade_column_filled():
    sheet = ('Identifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed",'
             '"Last modified (submission)","Last modified (grade)","Feedback comments"\n'
             '"Participant 1234","Ada Lovelace",ada@example.edu,"Submitted for grading",,19.00,Yes,-,-,\n'
             '"Participant 9","Grace Hopper",ghopper@example.edu,"Submitted for grading",,19.00,Yes,-,-,\n'
             '"Participant 10","Alan Turing",aturing@example.edu,"Submitted for grading",,19.00,Yes,-,-,\n')
    text, report = moodle_worksheet(grades(), sheet, "week1")
    rows = text.splitlines()
    assert rows[1].startswith("Participant 1234,Ada Lovelace,ada@example.edu,Submitted for grading,17.5,19.00")
    assert ",19,19.00" in rows[2] and "Submitted for grading,,19.00" in rows[3]
    with pytest.raises(ExportError, match="Maximum Grade is 20"):
        moodle_worksheet(grades(), sheet.replace("19.00", "20.00"), "week1")
