/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include "ndr.h"

int
ndr_search(const struct ndr_search *s, ndr_trial_fn trial, void *arg,
	   struct ndr_result *r)
{
	double lo = 0, hi = s->max_rate, rate = s->max_rate;

	r->rate = 0;
	r->loss = 0;
	r->trials = 0;
	while (r->trials < s->max_trials) {
		double loss = trial(rate, arg);

		r->trials++;
		if (loss < 0)
			return -1;
		if (loss <= s->max_loss) {
			lo = rate;
			r->rate = rate;
			r->loss = loss;
			if (rate >= s->max_rate)
				break; /* the SUT takes all we can offer */
		} else {
			hi = rate;
		}
		if (hi - lo <= s->resolution * hi || hi <= s->min_rate)
			break;
		rate = (lo + hi) / 2;
	}
	return 0;
}
