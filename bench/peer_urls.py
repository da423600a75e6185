from django.urls import include, path

from bench.urls import urlpatterns as bench_urlpatterns

urlpatterns = [path("api/", include("oscarapi.urls")), *bench_urlpatterns]
