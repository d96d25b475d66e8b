/* dl-format.c: the C library formats with the locale set at start; this only names the uses */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-format.h"

#include <glib/gi18n.h>

char *
dl_format_count (guint64 n)
{
  /* glibc's ' flag takes the thousands separator of LC_NUMERIC (a no-break space in sv) */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

char *
dl_format_percent (double fraction,
                   int    decimals)
{
  g_autofree char *number = g_strdup_printf ("%'.*f", CLAMP (decimals, 0, 6), 100 * fraction);

  /* Translators: a percentage; the number is already in your locale's style. Write "%s %%"
   * where a space goes before the percent sign. */
  return g_strdup_printf (_("%s%%"), number);
}
