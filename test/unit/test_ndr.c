/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunet-perf's NDR/PDR search against simulated SUTs whose capacity is
 * known: it must land within the resolution below the cap, never above.
 */

#include <math.h>
#include <stdio.h>

#include "ndr.h"
#include "tap.h"

struct sim {
	double cap;        /* packets/s the SUT forwards */
	unsigned int calls;
	int fail_at;       /* trial number that cannot run, or 0 */
};

static double
capped(double rate, void *arg)
{
	struct sim *s = arg;

	s->calls++;
	if (s->fail_at != 0 && (int)s->calls == s->fail_at)
		return -1;
	return rate <= s->cap ? 0 : (rate - s->cap) / rate;
}

static const struct ndr_search base = { .max_loss = 0, .min_rate = 1000,
	.max_rate = 10e6, .resolution = 0.01, .max_trials = 32 };

static void
ndr_lands_just_below_the_cap(void)
{
	const double caps[] = { 3.3e6, 9.99e6, 1.234e6, 20e3 };

	for (unsigned int i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct sim sim = { .cap = caps[i] };
		struct ndr_result r;

		CHECK_EQ(ndr_search(&base, capped, &sim, &r), 0);
		CHECK(r.rate <= caps[i]);
		CHECK(r.rate > caps[i] * (1 - base.resolution));
		CHECK_EQ(r.loss, 0);
		CHECK_EQ(r.trials, sim.calls);
		/* bisection: halve down to the cap, then to the resolution */
		CHECK(r.trials <= 2 + ceil(log2(base.max_rate / caps[i])) +
		      ceil(log2(1 / base.resolution)));
	}
}

static void
pdr_accepts_its_loss(void)
{
	struct ndr_search s = base;
	struct sim sim = { .cap = 4e6 };
	struct ndr_result r;

	s.max_loss = 0.005;
	CHECK_EQ(ndr_search(&s, capped, &sim, &r), 0);
	/* 0.5% loss is reached at cap / 0.995 */
	CHECK(r.rate <= 4e6 / 0.995);
	CHECK(r.rate > 4e6 / 0.995 * (1 - s.resolution));
	CHECK(r.loss <= 0.005);
}

static void
a_sut_that_takes_everything_needs_one_trial(void)
{
	struct sim sim = { .cap = 1e9 };
	struct ndr_result r;

	CHECK_EQ(ndr_search(&base, capped, &sim, &r), 0);
	CHECK_EQ(r.rate, base.max_rate);
	CHECK_EQ(r.trials, 1);
}

static void
a_sut_that_forwards_nothing_gives_zero(void)
{
	struct sim sim = { .cap = 0 };
	struct ndr_result r;

	CHECK_EQ(ndr_search(&base, capped, &sim, &r), 0);
	CHECK_EQ(r.rate, 0);
}

static void
a_trial_that_cannot_run_stops_the_search(void)
{
	struct sim sim = { .cap = 2e6, .fail_at = 3 };
	struct ndr_result r;

	CHECK_EQ(ndr_search(&base, capped, &sim, &r), -1);
	CHECK_EQ(sim.calls, 3);
}

int
main(void)
{
	RUN(ndr_lands_just_below_the_cap);
	RUN(pdr_accepts_its_loss);
	RUN(a_sut_that_takes_everything_needs_one_trial);
	RUN(a_sut_that_forwards_nothing_gives_zero);
	RUN(a_trial_that_cannot_run_stops_the_search);
	return TAP_DONE();
}
