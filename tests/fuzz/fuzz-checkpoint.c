/* fuzz-checkpoint.c: the checkpoint reader on any bytes — its header and vectors on their own,
 * then a trainer resumed from it over a small synthetic dataset (seeds: real checkpoints of that
 * dataset, see make-seeds.c) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"
#include "fuzz-dataset.h"

#include "nn-trainer.h"
#if __has_include("nn-checkpoint.h")
#include "nn-checkpoint.h"
#define HAVE_NN_CHECKPOINT 1
#endif

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
  g_autoptr(NnDataset) ds = fuzz_dataset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) trainer = NULL;

#ifdef HAVE_NN_CHECKPOINT
  {
    g_autoptr(NnCheckpoint) ck = nn_checkpoint_open (path, &error);

    if (ck != NULL)
      {
        g_assert_no_error (error);
        g_assert_cmpuint (ck->best_epoch, <=, ck->epochs_done);
        for (guint i = 0; i < ck->epochs_done; i++)
          (void) ck->history[i].val_loss;
        (void) nn_checkpoint_batches_per_epoch (ck);
        if (nn_checkpoint_read_vectors (ck, ck->n_params, &error))
          {
            volatile float sum = 0;

            for (size_t i = 0; i < ck->n_params; i++)
              sum += ck->params[i] + ck->m[i] + (ck->v != NULL ? ck->v[i] : 0) +
                     (ck->best_params != NULL ? ck->best_params[i] : 0);
            (void) sum;
          }
        else
          g_assert_nonnull (error);
      }
    else
      g_assert_nonnull (error);
    g_clear_error (&error);
  }
#endif

  trainer = nn_trainer_new_from_checkpoint (path, ds, 1, &error);

  if (trainer != NULL)
    {
      guint n_epochs = 0, best_epoch = 0;
      const NnEpochStats *history = nn_trainer_get_history (trainer, &n_epochs);

      g_assert_no_error (error);
      g_assert_cmpuint (n_epochs, <=, nn_trainer_get_epochs_done (trainer));
      for (guint i = 0; i < n_epochs; i++)
        (void) history[i].train_loss;
      (void) nn_trainer_get_best_params (trainer, &best_epoch);
      g_assert_nonnull (nn_trainer_get_network (trainer));
      g_assert_nonnull (nn_trainer_get_config (trainer));
    }
  else
    g_assert_nonnull (error);
  close (fd);
  return 0;
}
