/* fuzz-embeddings.c: the embeddings cache reader on any bytes, then a search in what it read
 * (seeds: small valid files, see the corpus) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include <math.h>

#include "nn-explain.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char path[64];
  int fd = fuzz_input_file (data, size, path, sizeof path);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnEmbeddings) emb = nn_embeddings_load (path, NULL, 0, 0, &error);

  if (emb != NULL)
    {
      g_autofree float *query = g_new0 (float, emb->dim);
      NnNeighbour nb[4];
      size_t n;

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (emb->key), ==, 64);
      for (size_t k = 0; k < emb->n * emb->dim; k++)
        g_assert_true (isfinite (emb->values[k]));
      memcpy (query, emb->values, sizeof (float) * emb->dim);
      n = nn_embeddings_nearest (emb, query, 4, nb);
      g_assert_cmpuint (n, ==, MIN (4, emb->n));
      g_assert_cmpfloat (nb[0].distance, ==, 0.0f);
    }
  else
    g_assert_nonnull (error);
  close (fd);
  return 0;
}
