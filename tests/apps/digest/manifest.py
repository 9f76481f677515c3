from smartcity.toolkit import AppManifest, Permission, Role

manifest = AppManifest(
    name="digest",
    title="Ringkasan Pengumuman",
    version="1",
    requires=("noticeboard",),
    # Same key as noticeboard's ``viewer``: carried as digest.viewer, granting only digest.read.
    roles=(Role("viewer", "Pembaca ringkasan", "Membaca ringkasan.", frozenset({"digest.read"})),),
    permissions=(Permission("digest.read", "Membaca ringkasan pengumuman"),),
)
