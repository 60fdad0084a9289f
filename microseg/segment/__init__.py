"""Segmentation: rules, RFM, CLV, cohorts, funnels, timing, clusters and psychographics.

Each module does one job; the most used names are also available at the top
level (``ms.rfm``, ``ms.SegmentModel``).
"""
