import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import strict_json as sj


def test_duplicate_key_smuggling_is_refused():
    # Two readers of these bytes could see different amounts: refuse rather than pick one.
    with pytest.raises(sj.DuplicateKeyError) as exc:
        sj.loads(b'{"pcfExcludingBiogenic": "1.0", "pcfExcludingBiogenic": "0.1"}')
    assert exc.value.reason == "DUPLICATE_KEY"


def test_nested_duplicate_key_is_refused():
    with pytest.raises(sj.DuplicateKeyError):
        sj.loads('{"a": [{"b": 1, "b": 2}]}')


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(constant):
    with pytest.raises(sj.NumberOutOfRangeError):
        sj.loads(f'{{"v": {constant}}}')


def test_huge_integer_is_refused_before_conversion():
    with pytest.raises(sj.NumberOutOfRangeError):
        sj.loads('{"v": ' + "9" * 5000 + "}")


def test_float_overflow_is_refused():
    with pytest.raises(sj.NumberOutOfRangeError):
        sj.loads('{"v": 1e400}')


def test_deep_nesting_bomb_is_refused():
    with pytest.raises(sj.NestingTooDeepError):
        sj.loads("[" * 100_000 + "]" * 100_000)


def test_nesting_at_the_limit_is_accepted_and_one_more_is_refused():
    ok = "[" * 8 + "]" * 8
    assert sj.loads(ok, max_depth=8) == json.loads(ok)
    with pytest.raises(sj.NestingTooDeepError):
        sj.loads("[" * 9 + "]" * 9, max_depth=8)


def test_oversize_input_is_refused_before_parsing():
    with pytest.raises(sj.InputTooLargeError):
        sj.loads(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=50)


def test_invalid_utf8_is_refused():
    with pytest.raises(sj.InvalidEncodingError):
        sj.loads(b'{"a": "\xff"}')


def test_byte_order_mark_is_refused():
    with pytest.raises(sj.InvalidEncodingError):
        sj.loads(b'\xef\xbb\xbf{"a": 1}')


@pytest.mark.parametrize("text", ["", "{", '{"a":}', "{'a': 1}", '{"a": 1} x'])
def test_malformed_json_has_a_typed_error(text):
    with pytest.raises(sj.MalformedJSONError):
        sj.loads(text)


def test_top_level_array_is_not_an_object():
    with pytest.raises(sj.NotAnObjectError):
        sj.loads_object("[]")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**15), 10**15) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_strict_parse_agrees_with_json_on_ordinary_documents(value):
    text = json.dumps(value)
    assert sj.loads(text.encode(), max_depth=64) == value
