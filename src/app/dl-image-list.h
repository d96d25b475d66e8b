/* dl-image-list.h: the dataset's images as a filtered GListModel, items made on demand */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "nn-dataset.h"

G_BEGIN_DECLS

#define DL_TYPE_IMAGE_ITEM (dl_image_item_get_type ())
G_DECLARE_FINAL_TYPE (DlImageItem, dl_image_item, DL, IMAGE_ITEM, GObject)

gboolean      dl_image_item_get_is_test (DlImageItem *self);
guint         dl_image_item_get_index   (DlImageItem *self);   /* within its split */

#define DL_TYPE_IMAGE_LIST (dl_image_list_get_type ())
G_DECLARE_FINAL_TYPE (DlImageList, dl_image_list, DL, IMAGE_LIST, GObject)

typedef enum
{
  DL_SPLIT_ALL,
  DL_SPLIT_TRAIN,
  DL_SPLIT_TEST,
  DL_SPLIT_MISCLASSIFIED,   /* test images the last evaluation got wrong */
} DlSplit;

DlImageList  *dl_image_list_new         (void);
/* Borrowed; NULL empties the list. */
void          dl_image_list_set_dataset (DlImageList *self,
                                         NnDataset   *dataset);
/* Test indices of the last evaluation's mistakes, most confident first; copied. */
void          dl_image_list_set_mistakes (DlImageList   *self,
                                          const guint32 *indices,
                                          size_t         n_indices);
/* klass −1 for every class */
void          dl_image_list_set_filter  (DlImageList *self,
                                         DlSplit      split,
                                         int          klass);

G_END_DECLS
