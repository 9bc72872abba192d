"""The colours of every chart, on screen (plotly) and on paper (reportlab): the Okabe–Ito
palette (Okabe & Ito, 2008), which readers with the common forms of colour blindness can tell
apart. Kept apart from the charts so the PDF needs no plotly."""

BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#999999")
