{
  "targets": [
    {
      "target_name": "siteready_dscp",
      "sources": ["native/dscp.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
