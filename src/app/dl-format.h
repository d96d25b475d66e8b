/* dl-format.h: numbers for people, in the locale's style (never for files or machine output) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A count with the locale's digit grouping: "70,000", "70.000", "70 000"; "70000" in C. */
char *dl_format_count   (guint64 n);
/* A fraction in [0, 1] as a percentage with that many decimals, in the locale's style:
 * "98.73%", "98,73 %". */
char *dl_format_percent (double  fraction,
                         int     decimals);

G_END_DECLS
