#if __has_include(<assimp/cimport.h>)
#include <assimp/cimport.h>
#include <assimp/cexport.h>
#include <assimp/scene.h>
#include <assimp/postprocess.h>
#include <assimp/material.h>
#else
#error "assimp headers not found: run scripts/bootstrap (apt-get install libassimp-dev)"
#endif
