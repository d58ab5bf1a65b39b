"""The content pack: the built-in pack is complete and valid, a broken pack is reported
problem by problem (file, entry, line), teacher packs override and extend, and teaching text
renders as safe HTML."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from annotations import BUILTIN_DIR, ContentError, builtin_pack, check_content, load_pack, render_markdown
from annotations.schema import READING_LEVELS, SCHEMA_PATH, json_schema_text
from meshes.landmarks import LANDMARK_IDS

GMED_FILE = "10_gluteus_medius.yaml"
TOPICS_FILE = "40_topics.yaml"


# --------------------------------------------------------------------------- helpers


def copy_pack(tmp_path: Path) -> Path:
    dest = tmp_path / "pack"
    shutil.copytree(BUILTIN_DIR, dest)
    return dest


def plant(path: Path, old: str, new: str) -> int:
    """Replace the one occurrence of ``old`` in ``path`` by ``new``; return the 1-based line
    where the replacement starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return line


def failing(path: Path) -> str:
    code, text = check_content(path)
    assert code == 1, text
    return text


def line_of(text: str, file: Path, entry: str, needle: str) -> str:
    """The one line of ``text`` about ``file`` and ``entry`` that contains ``needle``."""
    hits = [ln for ln in text.splitlines() if str(file) in ln and f": {entry}:" in ln and needle in ln]
    assert len(hits) == 1, f"expected one problem with {needle!r} for {entry} in {file.name}, got:\n{text}"
    return hits[0]


# --------------------------------------------------------------------------- the built-in pack


def test_builtin_pack_validates_with_a_one_line_summary():
    code, text = check_content(BUILTIN_DIR)
    assert code == 0, text
    assert re.fullmatch(rf"content OK: \d+ entries, \d+ references in {re.escape(str(BUILTIN_DIR))}", text)
    pack = builtin_pack()
    assert f"{len(pack.entries)} entries, {len(pack.references)} references" in text


def test_every_landmark_has_an_entry_with_all_three_reading_levels():
    pack = builtin_pack()
    for lid in LANDMARK_IDS:
        assert lid in pack.entries, lid
        entry = pack.entries[lid]
        assert entry.kind == "landmark"
        for level in READING_LEVELS:
            assert getattr(entry.text, level).strip(), (lid, level)


def test_every_entry_is_a_landmark_of_the_model_or_a_topic():
    for eid, entry in builtin_pack().entries.items():
        assert (eid in LANDMARK_IDS) == (entry.kind == "landmark"), eid


def test_the_teaching_topics_are_there():
    topics = builtin_pack().topics
    for tid in ("gluteus_medius", "single_leg_stance", "trendelenburg_sign", "trendelenburg_gait", "gtps",
                "gluteal_tendinopathy", "imaging", "exercise_clamshell", "exercise_side_lying_abduction"):
        assert tid in topics, tid
    gait = topics["trendelenburg_gait"].text.student.lower()
    assert "compensated" in gait and "lurch" in gait
    clam = topics["exercise_clamshell"].text.student + topics["exercise_side_lying_abduction"].text.student
    assert "40%" in clam and "81%" in clam


def test_lay_text_is_short_and_plain():
    for eid, entry in builtin_pack().entries.items():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", entry.text.lay.strip()) if s]
        assert 1 <= len(sentences) <= 4, (eid, sentences)
        assert len(entry.text.lay.split()) <= 80, eid


def test_every_claim_cites_a_reference_with_a_full_citation():
    pack = builtin_pack()
    assert "not medical advice" in pack.disclaimer and "education" in pack.disclaimer.lower()
    for eid in pack.entries:
        refs = pack.entry_sources(eid)
        assert refs, eid
        for ref in refs:
            assert re.search(r"(18|19|20)\d\d", ref.citation) or ref.url, ref.id
    for entry in pack.entries.values():
        for claim in entry.actions:
            assert claim.sources, entry.id


def _cited(entry, topic_words):
    for dis in entry.disagreements:
        if all(w in dis.topic.lower() for w in topic_words):
            return [set(p.sources) for p in dis.positions]
    raise AssertionError(f"{entry.id} has no disagreement about {topic_words}")


def test_source_disagreements_are_shown_with_both_sources():
    pack = builtin_pack()
    roots = _cited(pack.entries["superior_gluteal_nerve"], ["roots"])
    assert {"grays1918"} <= roots[0] and len(roots) >= 2 and roots[1] - roots[0]
    nerve_text = pack.entries["superior_gluteal_nerve"].text.clinician
    assert "L4-S1" in nerve_text and "L5-S1" in nerve_text
    zone = _cited(pack.entries["safe_zone"], ["safe zone"])
    assert {"jacobs1989"} in zone and {"bos1994"} in zone
    zone_text = pack.entries["safe_zone"].text.student
    assert "5 cm" in zone_text and "3 cm" in zone_text
    flexion = _cited(pack.entries["gmed_anterior"], ["flex"])
    assert len(flexion) == 2 and flexion[0].isdisjoint(flexion[1])


def test_fibre_group_action_claims_state_their_posture_range():
    pack = builtin_pack()
    posterior = {(c.action, c.flexion_deg) for c in pack.entries["gmed_posterior"].actions}
    ext = [r for a, r in posterior if a == "external_rotation"]
    internal = [r for a, r in posterior if a == "internal_rotation"]
    assert ext and internal and max(hi for _, hi in ext) < min(lo for lo, _ in internal)
    anterior_flexion = [c for c in pack.entries["gmed_anterior"].actions if c.action == "flexion"]
    assert anterior_flexion and all(c.flexion_deg[0] > 0 for c in anterior_flexion)


def test_claims_use_the_models_flexion_range():
    from annotations.schema import FLEXION_RANGE
    from meshes.frame import POSTURE_RANGES

    assert FLEXION_RANGE == POSTURE_RANGES["flexion"]


def test_annotations_import_no_viewer_panel_or_geometry():
    import subprocess
    import sys

    code = (
        "import sys, annotations; annotations.builtin_pack(); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('viewer', 'panel', 'bokeh', 'pyvista', 'vtk', 'trimesh')"
        " or m in ('meshes.model', 'meshes.frame')]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_published_json_schema_is_up_to_date():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == json_schema_text(), (
        "annotations/pack.schema.json is stale: regenerate it with "
        "python -c 'from annotations.schema import write_json_schema; write_json_schema()'"
    )
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert set(schema["properties"]) == {"disclaimer", "references", "entries"}


# --------------------------------------------------------------------------- broken packs


def test_invalid_yaml_names_file_and_line(tmp_path):
    pack = copy_pack(tmp_path)
    line = plant(pack / TOPICS_FILE, "  - id: gtps\n", "  - id: [gtps\n")
    text = failing(pack)
    hit = [ln for ln in text.splitlines() if str(pack / TOPICS_FILE) in ln and "invalid YAML" in ln]
    assert len(hit) == 1, text
    reported = int(re.search(r"\.yaml:(\d+):", hit[0]).group(1))
    assert line <= reported <= line + 2
    assert ": gtps: invalid YAML" in hit[0]  # the entry being edited


def test_unknown_id_is_reported_with_its_line(tmp_path):
    pack = copy_pack(tmp_path)
    line = plant(pack / GMED_FILE, "  - id: gmed_origin\n", "  - id: gmed_orgin\n")
    text = failing(pack)
    hit = line_of(text, pack / GMED_FILE, "gmed_orgin", "unknown id 'gmed_orgin'")
    assert f"{GMED_FILE}:{line}:" in hit


def test_duplicate_id_is_reported(tmp_path):
    pack = copy_pack(tmp_path)
    line = plant(pack / TOPICS_FILE, "  - id: gtps\n", "  - id: imaging\n")
    text = failing(pack)
    hit = line_of(text, pack / TOPICS_FILE, "imaging", "duplicate id 'imaging'")
    assert f"{TOPICS_FILE}:{line}" in hit  # the planted copy, named as the first definition


def test_missing_reading_level_is_reported(tmp_path):
    pack = copy_pack(tmp_path)
    path = pack / TOPICS_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: imaging\n")
    lay = text.index("      lay: >-\n", start)
    student = text.index("      student: >-\n", lay)
    path.write_text(text[:lay] + text[student:], encoding="utf-8")
    out = failing(pack)
    line_of(out, path, "imaging", "missing reading level 'lay'")


def test_dangling_source_id_is_reported_with_its_line(tmp_path):
    pack = copy_pack(tmp_path)
    line = plant(pack / GMED_FILE, "        sources: [pfirrmann2001, robertson2008]\n      more:\n        - label: Tendon parts",
                 "        sources: [pfirrmann2001, robertsen2008]\n      more:\n        - label: Tendon parts")
    out = failing(pack)
    hit = line_of(out, pack / GMED_FILE, "gmed_insertion", "unknown source id 'robertsen2008'")
    assert f"{GMED_FILE}:{line}:" in hit


def test_bad_date_is_reported(tmp_path):
    pack = copy_pack(tmp_path)
    path = pack / TOPICS_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: gtps\n")
    at = text.index("    last_updated: ", start)
    end = text.index("\n", at) + 1
    path.write_text(text[:at] + "    last_updated: 2026-13-45\n" + text[end:])
    line = text[:at].count("\n") + 1
    out = failing(pack)
    hit = line_of(out, path, "gtps", "bad date '2026-13-45'")
    assert f"{TOPICS_FILE}:{line}:" in hit


def test_bad_review_status_is_reported(tmp_path):
    pack = copy_pack(tmp_path)
    path = pack / TOPICS_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: imaging\n")
    at = text.index("    review_status: submitted\n", start)
    path.write_text(text[:at] + "    review_status: done\n" + text[at + len("    review_status: submitted\n"):])
    out = failing(pack)
    hit = line_of(out, path, "imaging", "bad review_status 'done'")
    assert "submitted, under_review, approved" in hit


def test_unknown_action_and_group_are_reported(tmp_path):
    pack = copy_pack(tmp_path)
    path = pack / GMED_FILE
    line_a = plant(path, "        action: extension\n", "        action: twisting\n")
    line_g = plant(path, "      - group: middle\n        action: internal_rotation\n",
                   "      - group: central\n        action: internal_rotation\n")
    out = failing(pack)
    hit_a = line_of(out, path, "gmed_posterior", "unknown action 'twisting'")
    hit_g = line_of(out, path, "gmed_middle", "unknown fibre group 'central'")
    assert f"{GMED_FILE}:{line_a}:" in hit_a and f"{GMED_FILE}:{line_g}:" in hit_g
    assert "external_rotation" in hit_a and "whole" in hit_g


def test_all_problems_are_collected_not_just_the_first(tmp_path):
    pack = copy_pack(tmp_path)
    plant(pack / GMED_FILE, "  - id: gmed_origin\n", "  - id: gmed_orgin\n")
    plant(pack / GMED_FILE, "        action: extension\n", "        action: twisting\n")
    plant(pack / TOPICS_FILE, "  - id: gtps\n", "  - id: imaging\n")
    (pack / "50_broken.yaml").write_text("entries:\n  - id: [oops\n", encoding="utf-8")
    out = failing(pack)
    for needle in ("unknown id 'gmed_orgin'", "unknown action 'twisting'", "duplicate id 'imaging'", "invalid YAML"):
        assert needle in out, out
    # every line names a file of the pack
    assert all(str(pack) in ln for ln in out.splitlines()), out
    with pytest.raises(ContentError) as err:
        load_pack(pack)
    assert str(err.value) == out
    assert [str(p) for p in err.value.problems] == out.splitlines()
    assert all(p.file and p.message for p in err.value.problems)


# --------------------------------------------------------------------------- teacher packs


TEACHER_PACK = """\
references:
  - id: class_notes
    citation: Smith J. Hip lecture notes. Anytown College; 2026.
entries:
  - id: gmed_origin
    name: Where gluteus medius starts (our class notes)
    text:
      lay: It starts on the outer hip bone.
      student: See the lecture, slide 4; the origin lies on the *gluteal surface* of the ilium.
      clinician: As taught in the clinical skills session.
    sources: [class_notes, grays1918]
    review_status: approved
    last_updated: 2026-09-01
  - id: hip_quiz
    kind: topic
    name: Hip quiz
    text:
      lay: Which muscle keeps the pelvis level?
      student: Name the nerve of gluteus medius and its roots.
      clinician: Where is the nerve at risk in the lateral approach?
    related: [gluteus_medius]
    sources: [class_notes]
    review_status: submitted
    last_updated: 2026-09-01
"""


def test_teacher_pack_overrides_and_extends_the_builtin_pack(tmp_path):
    (tmp_path / "class.yaml").write_text(TEACHER_PACK, encoding="utf-8")
    code, text = check_content(tmp_path)
    assert code == 0, text
    assert text == f"content OK: 2 entries, 1 references in {tmp_path}"
    builtin = builtin_pack()
    pack = load_pack(BUILTIN_DIR, tmp_path)
    assert pack.entries["gmed_origin"].name == "Where gluteus medius starts (our class notes)"
    assert pack.entries["gmed_origin"].facts.origin is None  # whole entry replaced
    assert "hip_quiz" in pack.topics
    assert set(pack.references) == set(builtin.references) | {"class_notes"}
    assert len(pack.entries) == len(builtin.entries) + 1
    assert pack.disclaimer == builtin.disclaimer
    # the built-in pack is always underneath
    assert load_pack(tmp_path).entries.keys() == pack.entries.keys()
    # and the cached built-in pack is untouched
    assert builtin_pack().entries["gmed_origin"].name == "Gluteus medius origin"


def test_invalid_teacher_pack_never_loads_half_way(tmp_path):
    broken = TEACHER_PACK.replace("review_status: approved", "review_status: ok")
    (tmp_path / "class.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_pack(BUILTIN_DIR, tmp_path)
    (problem,) = err.value.problems
    assert problem.file == str(tmp_path / "class.yaml")
    assert problem.entry_id == "gmed_origin"
    assert problem.line == TEACHER_PACK.splitlines().index("    review_status: approved") + 1
    assert "bad review_status 'ok'" in problem.message


def test_missing_pack_directory_is_a_problem_not_a_crash(tmp_path):
    code, text = check_content(tmp_path / "nope")
    assert code == 1 and "nope" in text


# --------------------------------------------------------------------------- safe Markdown


def test_render_markdown_escapes_script():
    html = render_markdown("<script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_render_markdown_keeps_the_small_subset():
    html = render_markdown("The *middle* fibres **abduct**.\n\n- one\n- two\n\n[Gray's](https://example.org/grays)")
    assert "<em>middle</em>" in html and "<strong>abduct</strong>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert '<a href="https://example.org/grays">' in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java&#09;script:alert(1)",
                                 "data:text/html,<b>x</b>", "vbscript:msgbox(1)", "file:///etc/passwd"])
def test_render_markdown_drops_unsafe_links(url):
    html = render_markdown(f"[click]({url})")
    assert "<a " not in html
    assert "<b>" not in html


def test_render_markdown_keeps_relative_links_and_escapes_inline_html():
    assert '<a href="#gmed_origin">' in render_markdown("[origin](#gmed_origin)")
    html = render_markdown('Look <img src=x onerror="alert(1)"> here')
    assert "<img" not in html and "&lt;img" in html


def test_all_builtin_text_renders_without_raw_html():
    for entry in builtin_pack().entries.values():
        for level in READING_LEVELS:
            html = render_markdown(getattr(entry.text, level))
            assert "<script" not in html and "&lt;" not in html, entry.id


def test_html_in_a_teacher_pack_is_text_not_markup(tmp_path):
    pack_text = TEACHER_PACK.replace(
        "lay: It starts on the outer hip bone.",
        "lay: It starts on the outer hip bone. <script>alert(1)</script> [x](javascript:alert(1))",
    )
    (tmp_path / "class.yaml").write_text(pack_text, encoding="utf-8")
    assert check_content(tmp_path)[0] == 0
    lay = load_pack(tmp_path).entries["gmed_origin"].text.lay
    html = render_markdown(lay)
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<a " not in html


CITED_IN_TEXT = re.compile(r"\b([A-Z][A-Za-z\-]+)(?: et al\.?)?(?: & [A-Z][a-z]+)?,? \(?((?:18|19|20)\d\d)\)?")


def test_authors_named_in_the_text_are_among_the_entry_sources():
    pack = builtin_pack()
    from annotations.loader import _source_ids

    for eid, entry in pack.entries.items():
        cited = set(_source_ids(entry))
        for level in READING_LEVELS:
            for name, year in CITED_IN_TEXT.findall(getattr(entry.text, level)):
                ref_id = re.sub(r"[^a-z]", "", name.lower()) + year
                assert ref_id in pack.references, f"{eid} ({level}) names {name} {year}, which is not in the references"
                assert ref_id in cited, f"{eid} ({level}) names {name} {year} but does not cite {ref_id}"


@pytest.mark.parametrize("text", ['[x](https://a.org" onmouseover="alert(1))', "<javascript:alert(1)>",
                                  "[x](<javascript:alert(1)>)", "[a][r]\n\n[r]: javascript:alert(1)"])
def test_render_markdown_link_tricks_stay_inert(text):
    html = render_markdown(text)
    assert "<a " not in html
    assert "onmouseover=\"" not in html


def test_render_markdown_leaves_headings_and_code_blocks_as_text():
    html = render_markdown("# Not a heading\n\n    not code\n\n> not a quote")
    assert "<h1" not in html and "<pre" not in html and "<blockquote" not in html
    assert "# Not a heading" in html


# --------------------------------------------------------------------------- robustness

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

YAML_BITS = st.sampled_from([
    "entries:\n", "references:\n", "disclaimer: x\n", "  - id: gtps\n", "  - id: [x\n", "    kind: topic\n",
    "    name: N\n", "    text: {lay: a, student: b, clinician: c}\n", "    sources: [grays1918]\n",
    "    review_status: approved\n", "    last_updated: 2026-01-01\n", "    last_updated: 2026-99-01\n",
    "    actions:\n      - {group: middle, action: abduction, flexion_deg: [0, 10], sources: [x]}\n",
    "  - citation: c\n", "    id: 5\n", ": :\n", "- - -\n", "\t\n", "'unclosed\n", "&a [1]\n", "*a\n",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bits=st.lists(YAML_BITS, max_size=12), noise=st.text(max_size=30))
def test_any_pack_file_gives_a_report_never_a_crash(tmp_path, bits, noise):
    (tmp_path / "p.yaml").write_text("".join(bits) + noise, encoding="utf-8")
    code, text = check_content(tmp_path)
    assert code in (0, 1) and text
    if code == 1:
        assert all(ln.startswith(str(tmp_path)) for ln in text.splitlines()), text


def test_the_content_guide_lists_every_landmark_id_and_builtin_topic():
    guide = (Path(__file__).resolve().parents[1] / "docs" / "content.md").read_text(encoding="utf-8")
    for eid in (*LANDMARK_IDS, *builtin_pack().topics):
        assert f"`{eid}`" in guide, eid


def test_a_neighbours_action_claim_belongs_on_its_own_card(tmp_path):
    pack = copy_pack(tmp_path)
    line = plant(pack / "25_neighbours.yaml", "      - group: tfl\n        action: flexion\n",
                 "      - group: piriformis\n        action: flexion\n")
    text = failing(pack)
    hit = line_of(text, pack / "25_neighbours.yaml", "tfl", "belongs on the 'piriformis' card")
    assert f"25_neighbours.yaml:{line}:" in hit
