"""Reading photos: the only layer that uses Pillow (and pillow-heif).

Import from the submodules, so that cheap users stay cheap (``discover`` and
``hashing`` need neither Pillow nor numpy):

* :mod:`photosort.media.discover` — ``iter_photos``, ``DiscoveryStats``, ``OUTPUT_MARKER``
* :mod:`photosort.media.decode` — ``load_image``, ``LoadedImage``, ``probe``
* :mod:`photosort.media.hashing` — ``content_hash``
* :mod:`photosort.media.thumbs` — ``make_thumbnail``, ``face_crop``
* :mod:`photosort.media.errors` — ``ImageError``, ``ErrorKind``
"""
