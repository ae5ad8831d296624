"""Dates: free-form values, dates printed in page headers, dates in URLs."""

from __future__ import annotations

import pytest

from storyline.clean import date_from_url, find_dates, parse_date


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2022-09-13", "2022-09-13"),
        ("2019-11-18T10:00:00Z", "2019-11-18T10:00+00:00"),
        ("Updated 7:32 PM EDT, Tue September 13, 2022", "2022-09-13T19:32-04:00"),
        ("March 01, 2008", "2008-03-01"),
        ("Sept. 13, 2022 at 5:02 p.m.", "2022-09-13T17:02"),
        ("13 September 2022", "2022-09-13"),
        ("25 de enero del 2010", "2010-01-25"),
        ("10 dicembre 2013", "2013-12-10"),
        ("Published 10. Dezember 2013 um 14:05", "2013-12-10T14:05"),
        ("18-Jan-07", "2007-01-18"),
    ],
)
def test_parse_date(value, iso):
    assert parse_date(value) == iso


@pytest.mark.parametrize("value", ["yesterday", "", None, "2022-02-30", "in three weeks"])
def test_unparseable_or_relative_dates_are_none(value):
    assert parse_date(value) is None


def test_find_dates_reports_offsets_and_lead():
    text = "Exclusive by A. Writer , CNN Updated 7:32 PM EDT, Tue September 13, 2022 Link Copied!"
    (found,) = find_dates(text)
    assert text[found.start : found.end] == "Updated 7:32 PM EDT, Tue September 13, 2022"
    assert found.lead == "updated"


@pytest.mark.parametrize(
    ("url", "iso"),
    [
        ("https://www.cnn.com/2019/11/18/investing/asian-market-latest/index.html", "2019-11-18"),
        ("https://example.org/news/2019/11/some-story", "2019-11"),
        ("https://example.org/story-20191118-abc.html", "2019-11-18"),
        ("https://thehill.com/homenews/471033-south-dakota", None),
        (None, None),
    ],
)
def test_date_from_url(url, iso):
    assert date_from_url(url) == iso
