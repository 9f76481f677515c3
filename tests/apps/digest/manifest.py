from smartcity.toolkit import AppManifest

manifest = AppManifest(
    name="digest", title="Ringkasan Pengumuman", version="1", requires=("noticeboard",)
)
