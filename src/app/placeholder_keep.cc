// Temporary translation unit so the library has a source; removed once use cases land.
namespace pop::app {}
