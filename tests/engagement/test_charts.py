from distributors.engagement.charts import bar_chart, line_chart, sparkline


def test_line_chart_has_an_accessible_name_and_one_dot_per_known_value():
    svg = line_chart(["Jan", "Feb", "Mar", "Apr"], [10, None, 60, 80], title="Score <trend>", max_value=100)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and "<title id=" in svg
    assert "Score &lt;trend&gt;" in svg  # escaped
    assert svg.count('<circle class="dot"') == 3
    # The gap splits the line in two.
    assert svg.count("<polyline") == 2
    assert "Feb: —" in svg  # described for screen readers


def test_line_chart_with_no_values_draws_no_line():
    svg = line_chart([], [], title="Empty")
    assert "<polyline" not in svg and "<circle" not in svg


def test_bar_chart_draws_one_bar_per_value_scaled_to_the_largest():
    svg = bar_chart(["A", "B"], [5, 10], title="Bars", height=130)
    assert svg.count("<rect") == 2
    # The largest bar fills the plot height (130 - 18 - 28 = 84).
    assert 'height="84"' in svg and 'height="42"' in svg


def test_sparkline_marks_the_last_known_value():
    svg = sparkline([50, 60, None], title="Trend")
    assert svg.count("<circle") == 1
    assert 'viewBox="0 0 100 24"' in svg
