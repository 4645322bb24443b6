/** Small numeric helpers shared by the detectors. Internal: not exported from the package. */

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal distribution: P(Z > z). */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Maps a non-negative statistic to [0, 1) so that it is exactly 0.5 at `alarmAt`. */
export function halfAt(value: number, alarmAt: number): number {
  if (!(value > 0)) return 0;
  return value / (value + alarmAt);
}

/** Clamps to [0, 1], mapping NaN to 0. */
export function unit(x: number): number {
  return x > 0 ? Math.min(x, 1) : 0;
}

/** Rounds for titles and evidence: 4 significant digits. */
export function round4(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : 0;
}
