/// The OpenAPI 3.1 document served at `GET /openapi.json`; `docs/openapi.json` holds the same bytes (a test
/// compares them, and its paths and methods with the router's routes).
enum OpenAPIDocument {
    static let json = #"""
        {
          "components": {
            "responses": {
              "Error": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "An error"
              }
            },
            "schemas": {
              "Batch": {
                "description": "The batch file's schema (docs/folder-contract.md \u00a73) without api_key.",
                "properties": {
                  "jobs": {
                    "items": {
                      "properties": {
                        "filename": {
                          "type": "string"
                        },
                        "url": {
                          "type": "string"
                        }
                      },
                      "required": [
                        "url"
                      ],
                      "type": "object"
                    },
                    "maxItems": 100,
                    "type": "array"
                  }
                },
                "required": [
                  "jobs"
                ],
                "type": "object"
              },
              "BulkCreated": {
                "properties": {
                  "batch_id": {
                    "type": "string"
                  },
                  "cached": {
                    "type": "boolean"
                  },
                  "job_ids": {
                    "items": {
                      "type": "string"
                    },
                    "type": "array"
                  },
                  "total_jobs": {
                    "type": "integer"
                  }
                },
                "required": [
                  "batch_id",
                  "total_jobs",
                  "job_ids"
                ],
                "type": "object"
              },
              "Error": {
                "properties": {
                  "error": {
                    "type": "string"
                  },
                  "errors": {
                    "items": {
                      "properties": {
                        "field": {
                          "type": "string"
                        },
                        "message": {
                          "type": "string"
                        }
                      },
                      "type": "object"
                    },
                    "type": "array"
                  }
                },
                "required": [
                  "error"
                ],
                "type": "object"
              },
              "JobList": {
                "properties": {
                  "jobs": {
                    "items": {
                      "type": "object"
                    },
                    "type": "array"
                  },
                  "limit": {
                    "type": "integer"
                  },
                  "offset": {
                    "type": "integer"
                  },
                  "total": {
                    "type": "integer"
                  }
                },
                "required": [
                  "jobs",
                  "total",
                  "limit",
                  "offset"
                ],
                "type": "object"
              },
              "Metadata": {
                "properties": {
                  "description": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "duration": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "extractor": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "filesize_approx": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "height": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "like_count": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "thumbnail": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "title": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "upload_date": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "uploader": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "view_count": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "width": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  }
                },
                "required": [
                  "description",
                  "duration",
                  "extractor",
                  "filesize_approx",
                  "height",
                  "like_count",
                  "thumbnail",
                  "title",
                  "upload_date",
                  "uploader",
                  "view_count",
                  "width"
                ],
                "type": "object"
              },
              "SingleJob": {
                "description": "One job: url, optional filename and the batch file's shared options at top level; webhook_url gets the job's outcome POSTed (docs/webhooks.md).",
                "properties": {
                  "enable_progress_webhook": {
                    "type": "boolean"
                  },
                  "filename": {
                    "type": "string"
                  },
                  "url": {
                    "type": "string"
                  },
                  "webhook_url": {
                    "format": "uri",
                    "type": "string"
                  }
                },
                "required": [
                  "url"
                ],
                "type": "object"
              }
            },
            "securitySchemes": {
              "apiKey": {
                "in": "header",
                "name": "x-api-key",
                "type": "apiKey"
              }
            }
          },
          "info": {
            "description": "The hosted bulk-download API's endpoints, served by spool (docs/http-api.md).",
            "title": "spool HTTP API",
            "version": "1"
          },
          "openapi": "3.1.0",
          "paths": {
            "/batch/{id}": {
              "get": {
                "parameters": [
                  {
                    "in": "path",
                    "name": "id",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "The batch status document plus the hosted API's batch names"
              }
            },
            "/batches/{id}": {
              "get": {
                "parameters": [
                  {
                    "in": "path",
                    "name": "id",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Same as /batch/{id}"
              }
            },
            "/healthz": {
              "get": {
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "security": [],
                "summary": "Ready: 200 once the store and inbox are up, 503 while starting or stopping"
              }
            },
            "/jobs": {
              "get": {
                "parameters": [
                  {
                    "in": "query",
                    "name": "limit",
                    "schema": {
                      "default": 20,
                      "maximum": 100,
                      "type": "integer"
                    }
                  },
                  {
                    "in": "query",
                    "name": "offset",
                    "schema": {
                      "default": 0,
                      "type": "integer"
                    }
                  },
                  {
                    "in": "query",
                    "name": "status",
                    "schema": {
                      "enum": [
                        "pending",
                        "processing",
                        "completed",
                        "failed",
                        "warning"
                      ],
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/JobList"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Jobs, newest first"
              },
              "post": {
                "parameters": [
                  {
                    "in": "header",
                    "name": "x-idempotency-key",
                    "required": false,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SingleJob"
                      }
                    }
                  },
                  "required": true
                },
                "responses": {
                  "201": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "Created"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "415": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Create one job (a batch of one)"
              }
            },
            "/jobs/bulk": {
              "post": {
                "parameters": [
                  {
                    "in": "header",
                    "name": "x-idempotency-key",
                    "required": false,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Batch"
                      }
                    }
                  },
                  "required": true
                },
                "responses": {
                  "201": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/BulkCreated"
                        }
                      }
                    },
                    "description": "Created"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "415": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Create up to 100 jobs sharing one set of options"
              }
            },
            "/jobs/{id}": {
              "delete": {
                "parameters": [
                  {
                    "in": "path",
                    "name": "id",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Cancel a queued or running job"
              },
              "get": {
                "parameters": [
                  {
                    "in": "path",
                    "name": "id",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "The job status document, byte for byte jobs/<id>.json"
              }
            },
            "/jobs/{id}/file": {
              "delete": {
                "parameters": [
                  {
                    "in": "path",
                    "name": "id",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Delete a Completed job's outputs"
              }
            },
            "/jobs/{id}/retry": {
              "post": {
                "parameters": [
                  {
                    "in": "path",
                    "name": "id",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "201": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "Created"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Retry a Failed or Warning job as a new job"
              }
            },
            "/metadata": {
              "post": {
                "requestBody": {
                  "content": {
                    "application/json": {
                      "schema": {
                        "properties": {
                          "url": {
                            "type": "string"
                          }
                        },
                        "required": [
                          "url"
                        ],
                        "type": "object"
                      }
                    }
                  },
                  "required": true
                },
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Metadata"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "415": {
                    "$ref": "#/components/responses/Error"
                  },
                  "504": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "A URL's metadata without downloading (yt-dlp; ffprobe for a direct file's duration and size)"
              }
            },
            "/metrics": {
              "get": {
                "responses": {
                  "200": {
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Prometheus text exposition (metrics.prom)"
              }
            },
            "/openapi.json": {
              "get": {
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "This document"
              }
            },
            "/usage": {
              "get": {
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "OK"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Jobs by status, bytes under out/, free disk"
              }
            }
          },
          "security": [
            {
              "apiKey": []
            }
          ]
        }
        """#
}
