"""nbgrader configuration for this course's grading folder.

``python -m grader autograde ... --out OUT`` copies this file into its nbgrader course folder
(``OUT/nbgrader/`` unless ``--course-dir`` says otherwise), with the gradebook's URL, so that
``nbgrader formgrader``, ``nbgrader export`` and ``nbgrader generate_feedback`` run there see the
grades. Copy it into any other nbgrader course folder that grades these notebooks.

The course's autograder *replaces* ``nbgrader autograde``. Plain nbgrader runs the student's
code and the hidden tests in one kernel, with the instructor's permissions: one line of student
code can make every test pass (replace ``np.allclose``, blank the later cells with an input
transformer), read the hidden tests and solutions, or rewrite ``gradebook.db``; its feedback shows
the hidden tests. So here ``nbgrader autograde`` stops with an explanation before it runs anything.
"""
from nbgrader.preprocessors import NbGraderPreprocessor

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

USE_THE_COURSE_AUTOGRADER = (
    "This course is graded with `python -m grader autograde SUBMISSIONS --out OUT`, not with "
    "`nbgrader autograde`: plain nbgrader runs student code and hidden tests in one kernel, where a "
    "submission can fake its score, read the hidden tests and rewrite the gradebook. The course's "
    "autograder rebuilds each notebook from the instructor source, runs student code in a sandbox and "
    "fills this gradebook (formgrader, `nbgrader export` and `nbgrader generate_feedback` work as usual)."
)


class UseTheCourseAutograder(NbGraderPreprocessor):
    """Stops ``nbgrader autograde`` before any student code runs."""

    def preprocess(self, nb, resources):
        raise RuntimeError(USE_THE_COURSE_AUTOGRADER)


c.Autograde.sanitize_preprocessors = [UseTheCourseAutograder]
c.Autograde.autograde_preprocessors = [UseTheCourseAutograder]
