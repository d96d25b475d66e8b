/* dl-image-list.c: one guint32 per visible image; items are tiny objects made when asked for */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dl-image-list.h"

#define TEST_BIT 0x80000000u

struct _DlImageItem
{
  GObject parent_instance;
  guint32 key;          /* index, with TEST_BIT for the test split */
};

G_DEFINE_FINAL_TYPE (DlImageItem, dl_image_item, G_TYPE_OBJECT)

static void
dl_image_item_class_init (DlImageItemClass *klass)
{
}

static void
dl_image_item_init (DlImageItem *self)
{
}

gboolean
dl_image_item_get_is_test (DlImageItem *self)
{
  return (self->key & TEST_BIT) != 0;
}

guint
dl_image_item_get_index (DlImageItem *self)
{
  return self->key & ~TEST_BIT;
}

struct _DlImageList
{
  GObject    parent_instance;

  NnDataset *dataset;   /* borrowed */
  GArray    *keys;      /* guint32, the visible images in order */
  GArray    *mistakes;  /* guint32 test indices */
  DlSplit    split;
  int        klass;
};

static void dl_image_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlImageList, dl_image_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, dl_image_list_model_init))

static GType
get_item_type (GListModel *model)
{
  return DL_TYPE_IMAGE_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return DL_IMAGE_LIST (model)->keys->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  DlImageList *self = DL_IMAGE_LIST (model);
  DlImageItem *item;

  if (position >= self->keys->len)
    return NULL;
  item = g_object_new (DL_TYPE_IMAGE_ITEM, NULL);
  item->key = g_array_index (self->keys, guint32, position);
  return item;
}

static void
dl_image_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
rebuild (DlImageList *self)
{
  guint removed = self->keys->len;

  g_array_set_size (self->keys, 0);
  if (self->dataset != NULL && self->split == DL_SPLIT_MISCLASSIFIED)
    {
      for (guint i = 0; i < self->mistakes->len; i++)
        {
          guint32 index = g_array_index (self->mistakes, guint32, i);
          guint32 key = index | TEST_BIT;

          if (index < self->dataset->test->n_images &&
              (self->klass < 0 || self->dataset->test->labels[index] == self->klass))
            g_array_append_val (self->keys, key);
        }
    }
  else if (self->dataset != NULL)
    for (int s = 0; s < 2; s++)
      {
        const NnImageSet *set = s == 0 ? self->dataset->train : self->dataset->test;

        if ((s == 0 && self->split == DL_SPLIT_TEST) || (s == 1 && self->split == DL_SPLIT_TRAIN))
          continue;
        for (guint32 i = 0; i < set->n_images; i++)
          if (self->klass < 0 || set->labels[i] == self->klass)
            {
              guint32 key = i | (s == 1 ? TEST_BIT : 0);

              g_array_append_val (self->keys, key);
            }
      }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->keys->len);
}

void
dl_image_list_set_dataset (DlImageList *self,
                           NnDataset   *dataset)
{
  g_return_if_fail (DL_IS_IMAGE_LIST (self));
  self->dataset = dataset;
  rebuild (self);
}

void
dl_image_list_set_mistakes (DlImageList   *self,
                            const guint32 *indices,
                            size_t         n_indices)
{
  g_return_if_fail (DL_IS_IMAGE_LIST (self));

  g_array_set_size (self->mistakes, 0);
  g_array_append_vals (self->mistakes, indices, n_indices);
  if (self->split == DL_SPLIT_MISCLASSIFIED)
    rebuild (self);
}

void
dl_image_list_set_filter (DlImageList *self,
                          DlSplit      split,
                          int          klass)
{
  g_return_if_fail (DL_IS_IMAGE_LIST (self));

  if (self->split == split && self->klass == klass)
    return;
  self->split = split;
  self->klass = klass;
  rebuild (self);
}

static void
dl_image_list_finalize (GObject *object)
{
  g_array_unref (DL_IMAGE_LIST (object)->keys);
  g_array_unref (DL_IMAGE_LIST (object)->mistakes);
  G_OBJECT_CLASS (dl_image_list_parent_class)->finalize (object);
}

static void
dl_image_list_class_init (DlImageListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dl_image_list_finalize;
}

static void
dl_image_list_init (DlImageList *self)
{
  self->keys = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->mistakes = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->klass = -1;
}

DlImageList *
dl_image_list_new (void)
{
  return g_object_new (DL_TYPE_IMAGE_LIST, NULL);
}
