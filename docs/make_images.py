"""Draw the README's tour images from the demo data: python docs/make_images.py"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import microseg as ms  # noqa: E402

OUT = Path(__file__).resolve().parent / "images"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    data = ms.datasets.make_customers(n_customers=20_000, random_state=0)
    customers = data.customers.drop(columns=["customer_id", "email", "phone", "postcode_prefix"])
    persona = data.truth.customers["persona"].to_numpy()

    prof = ms.profile(customers, persona)
    ax = prof.plot("heatmap", max_traits=18)
    ax.figure.savefig(OUT / "persona_index_heatmap.png", dpi=80, bbox_inches="tight")
    plt.close("all")

    table = ms.rfm(data.transactions)
    scores = ms.RFMScorer().fit_transform(table)
    ax = ms.plot.plot_rfm_grid(scores, segments=ms.rfm_segments(scores))
    ax.figure.savefig(OUT / "rfm_grid.png", dpi=80, bbox_inches="tight")
    plt.close("all")

    truth = data.truth.customers.set_index("customer_id")["converted"]
    population = data.customers.drop(columns=["email", "phone", "postcode_prefix"])
    seed = truth.reindex(population["customer_id"]).to_numpy(dtype=bool)
    ev = ms.lookalike.evaluate(population, seed=seed, methods=("pu", "similarity", "random"), n_repeats=3, random_state=0)
    ax = ev.plot()
    ax.figure.savefig(OUT / "lookalike_curve.png", dpi=80, bbox_inches="tight")
    plt.close("all")
    print(f"images written to {OUT}")


if __name__ == "__main__":
    main()
