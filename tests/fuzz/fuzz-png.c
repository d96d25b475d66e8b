/* fuzz-png.c: PNG decoding to gray and the MNIST preprocessing of whatever it decodes */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "nn-png.h"
#include "nn-preprocess.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static void
check_output (const float            *out,
              const NnPreprocessInfo *info,
              size_t                  width,
              size_t                  height)
{
  for (size_t i = 0; i < NN_PREPROCESS_SIZE * NN_PREPROCESS_SIZE; i++)
    g_assert_true (out[i] >= -1e-5f && out[i] <= 1.0f + 1e-5f);
  g_assert_cmpuint (info->bbox_x + info->bbox_width, <=, width);
  g_assert_cmpuint (info->bbox_y + info->bbox_height, <=, height);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  size_t width = 0, height = 0;
  g_autofree guint8 *gray = nn_png_load_gray_from_memory (data, size, &width, &height, &error);
  g_autofree float *ink = NULL;
  float out[NN_PREPROCESS_SIZE * NN_PREPROCESS_SIZE];
  NnPreprocessInfo info;

  if (gray == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_true (width >= 1 && height >= 1);
  g_assert_cmpuint ((guint64) width * height, <=, NN_PNG_MAX_PIXELS);

  /* Preprocessing is quadratic-ish in the picture; the decoder's own limits are what the
   * fuzzer checks on big ones. */
  if ((guint64) width * height > 1 << 20)
    return 0;
  if (nn_preprocess_digit (out, gray, width, height, width, &info))
    check_output (out, &info, width, height);
  /* the same picture as a canvas of ink in [0, 1] */
  ink = g_new (float, width * height);
  for (size_t i = 0; i < width * height; i++)
    ink[i] = gray[i] / 255.0f;
  if (nn_preprocess_digit_float (out, ink, width, height, &info))
    check_output (out, &info, width, height);
  return 0;
}
