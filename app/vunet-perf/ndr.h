/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_PERF_NDR_H
#define VUNET_PERF_NDR_H

/*
 * RFC 2544-style throughput search: the highest offered rate whose trial
 * loses at most max_loss (0 for NDR, 0.005 for PDR), by bisection between
 * a rate that passed and one that failed. Pure C: the trial is a callback,
 * so the search is tested against a simulated SUT with a known cap.
 */

#include <stdint.h>

/* Run one trial at rate (packets/s); return the loss ratio 0..1, or <0. */
typedef double (*ndr_trial_fn)(double rate, void *arg);

struct ndr_search {
	double max_loss;     /* accepted loss ratio */
	double min_rate;     /* search floor, packets/s */
	double max_rate;     /* first trial, packets/s */
	double resolution;   /* stop when (hi - lo) / hi <= resolution */
	unsigned int max_trials;
};

struct ndr_result {
	double rate;         /* highest passing rate; 0 if none passed */
	double loss;         /* its loss ratio */
	unsigned int trials;
};

/* Returns 0, or -1 if a trial failed to run. */
int ndr_search(const struct ndr_search *s, ndr_trial_fn trial, void *arg,
	       struct ndr_result *r);

#endif /* VUNET_PERF_NDR_H */
