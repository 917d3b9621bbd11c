"""The OMIX reference archive server: HTTP API, web pages and FTP endpoints."""
