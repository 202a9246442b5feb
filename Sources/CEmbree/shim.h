#if __has_include(<embree3/rtcore.h>)
#include <embree3/rtcore.h>
#else
#error "Embree 3 headers not found: run scripts/bootstrap (apt-get install libembree-dev)"
#endif
